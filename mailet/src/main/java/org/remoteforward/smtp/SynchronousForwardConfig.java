package org.remoteforward.smtp;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.remoteforward.config.DurationValue;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.config.ForwardConfigParser;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.config.Parameter;
import org.remoteforward.sender.Failover;
import org.remoteforward.sender.SenderSettings;

/**
 * What {@link ForwardingRcptHook} is configured with: RemoteForwardMailet's parameters (targets,
 * TLS, auth, timeouts, connections, and the queue, retries and bounces of the recipients the
 * client was told were taken but the downstream then failed), minus {@code inline} and {@code
 * failover temporary}, plus what
 * James does once the downstream has a message.
 *
 * @param forward the downstream, and the retries and bounces of failed recipients
 * @param afterForward the processor a forwarded message goes on to in James (local copies,
 *     archiving); empty: James drops it once the downstream took it
 * @param failedRecipientsProcessor where recipients go that the downstream failed after the client
 *     was told the message was taken (LMTP partial failures, a forwarded recipient beside one James
 *     keeps), a copy carrying why; empty: they are retried and bounced here, as RemoteForwardMailet does
 * @param clientIdleTimeout how long a client may say nothing while its transaction holds a
 *     downstream session; past it the session goes back to serve others
 * @param warnings what the operator should hear about at start-up
 */
public record SynchronousForwardConfig(ForwardConfig forward, Optional<String> afterForward, Optional<String> failedRecipientsProcessor,
                                       Duration clientIdleTimeout, List<String> warnings) {
    public static final String AFTER_FORWARD = "afterForward";
    public static final String FAILED_RECIPIENTS_PROCESSOR = "failedRecipientsProcessor";
    public static final String CLIENT_IDLE_TIMEOUT = "clientIdleTimeout";
    static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A client waits for a session in James's SMTP thread, which serves other clients too: it is
     * told 451 4.4.5 and retries rather than hold that thread for the connect timeout.
     */
    static final String DEFAULT_CONNECTION_WAIT_TIMEOUT = "2s";
    /** Not RemoteForwardMailet's queue: its workers would deliver these with the mailet's own settings. */
    static final String DEFAULT_OUTGOING_QUEUE = "remote-forward-synchronous";
    private static final String GHOST = "ghost";
    private static final String INLINE = Parameter.INLINE.parameterName();
    private static final String INLINE_THREADS = Parameter.INLINE_THREADS.parameterName();

    public SynchronousForwardConfig {
        warnings = List.copyOf(warnings);
    }

    /** How to reach the downstream. */
    public SenderSettings sender() {
        return forward.sender();
    }

    /** Parses the parameters once, failing with a message that names the one at fault. */
    public static SynchronousForwardConfig parse(Map<String, String> parameters, String defaultHeloName)
        throws InvalidConfigurationException {
        Map<String, String> downstream = new LinkedHashMap<>(parameters);
        for (String inlineParameter : List.of(INLINE, INLINE_THREADS)) {
            if (downstream.containsKey(inlineParameter)) {
                throw new InvalidConfigurationException(inlineParameter, "a RemoteForwardMailet parameter; synchronous forwarding always"
                    + " makes its first attempt during the client's transaction");
            }
        }
        String after = Optional.ofNullable(downstream.remove(AFTER_FORWARD)).map(String::trim).orElse(GHOST);
        if (after.isEmpty()) {
            throw new InvalidConfigurationException(AFTER_FORWARD, "empty; '" + GHOST + "' or the name of a processor");
        }
        Optional<String> failed = Optional.ofNullable(downstream.remove(FAILED_RECIPIENTS_PROCESSOR)).map(String::trim);
        if (failed.isPresent() && failed.get().isEmpty()) {
            throw new InvalidConfigurationException(FAILED_RECIPIENTS_PROCESSOR, "empty; the name of a processor, or leave it out"
                + " to have failed recipients retried and bounced");
        }
        Duration clientIdle = DEFAULT_CLIENT_IDLE_TIMEOUT;
        String idle = downstream.remove(CLIENT_IDLE_TIMEOUT);
        if (idle != null) {
            try {
                clientIdle = DurationValue.parse(idle);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(CLIENT_IDLE_TIMEOUT, e.getMessage());
            }
        }
        downstream.putIfAbsent(Parameter.CONNECTION_WAIT_TIMEOUT.parameterName(), DEFAULT_CONNECTION_WAIT_TIMEOUT);
        downstream.putIfAbsent(Parameter.OUTGOING_QUEUE.parameterName(), DEFAULT_OUTGOING_QUEUE);
        ForwardConfig parsed = ForwardConfigParser.parse(downstream, defaultHeloName);
        if (parsed.sender().failover() == Failover.TEMPORARY) {
            // a client's RCPT is answered with the one downstream's reply as it comes; a second
            // downstream for some of its recipients would split one client transaction in two
            throw new InvalidConfigurationException(Parameter.FAILOVER.parameterName(), "temporary is a RemoteForwardMailet setting: the SMTP"
                + " hooks give the client each downstream reply as it comes, so a 4xx goes to the client, which retries; leave failover out here");
        }
        return new SynchronousForwardConfig(parsed, after.equalsIgnoreCase(GHOST) ? Optional.empty() : Optional.of(after),
            failed, clientIdle, parsed.warnings());
    }
}
