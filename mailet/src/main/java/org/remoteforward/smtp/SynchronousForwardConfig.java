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
import org.remoteforward.sender.SenderSettings;

/**
 * What {@link ForwardingRcptHook} is configured with: the same downstream parameters as
 * RemoteForwardMailet (targets, TLS, auth, timeouts, connections…), minus those of its queue and
 * retries (the client retries here), plus what James does once the downstream has a message.
 *
 * @param sender how to reach the downstream
 * @param afterForward the processor a forwarded message goes on to in James (local copies,
 *     archiving); empty: James drops it once the downstream took it
 * @param failedRecipientsProcessor where recipients go that the downstream refused after the
 *     message while others were delivered (LMTP): a copy for them carries why
 * @param clientIdleTimeout how long a client may say nothing while its transaction holds a
 *     downstream session; past it the session goes back to serve others
 * @param warnings what the operator should hear about at start-up
 */
public record SynchronousForwardConfig(SenderSettings sender, Optional<String> afterForward, String failedRecipientsProcessor,
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
    private static final String GHOST = "ghost";
    /** RemoteForwardMailet's own: a client that is answered at once has no queue, retries or bounces of ours. */
    private static final List<String> MAILET_ONLY = List.of("outgoingQueue", "deliveryThreads", "inline", "delayTime",
        "maxRetries", "bounceProcessor", "errorProcessor");

    public SynchronousForwardConfig {
        warnings = List.copyOf(warnings);
    }

    /** Parses the parameters once, failing with a message that names the one at fault. */
    public static SynchronousForwardConfig parse(Map<String, String> parameters, String defaultHeloName)
        throws InvalidConfigurationException {
        Map<String, String> downstream = new LinkedHashMap<>(parameters);
        for (String name : MAILET_ONLY) {
            if (downstream.containsKey(name)) {
                throw new InvalidConfigurationException(name, "a RemoteForwardMailet parameter; synchronous forwarding has no"
                    + " queue of its own, the SMTP client retries");
            }
        }
        String after = Optional.ofNullable(downstream.remove(AFTER_FORWARD)).map(String::trim).orElse(GHOST);
        if (after.isEmpty()) {
            throw new InvalidConfigurationException(AFTER_FORWARD, "empty; '" + GHOST + "' or the name of a processor");
        }
        String failed = Optional.ofNullable(downstream.remove(FAILED_RECIPIENTS_PROCESSOR)).map(String::trim)
            .orElse(ForwardConfigParser.DEFAULT_ERROR_PROCESSOR);
        if (failed.isEmpty()) {
            throw new InvalidConfigurationException(FAILED_RECIPIENTS_PROCESSOR, "empty; the name of a processor");
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
        downstream.putIfAbsent("connectionWaitTimeout", DEFAULT_CONNECTION_WAIT_TIMEOUT);
        ForwardConfig parsed = ForwardConfigParser.parse(downstream, defaultHeloName);
        return new SynchronousForwardConfig(parsed.sender(), after.equalsIgnoreCase(GHOST) ? Optional.empty() : Optional.of(after),
            failed, clientIdle, parsed.warnings());
    }
}
