package org.remoteforward.smtp;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.Response;
import org.apache.james.protocols.api.handler.DisconnectHandler;
import org.apache.james.protocols.api.handler.ExtensibleHandler;
import org.apache.james.protocols.api.handler.LineHandler;
import org.apache.james.protocols.api.handler.ProtocolHandler;
import org.apache.james.protocols.api.handler.WiringException;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.core.DataLineFilter;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.mailet.CredentialsVault;
import org.remoteforward.mailet.DeliveryMetrics;
import org.remoteforward.mailet.DeliveryNotices;
import org.remoteforward.mailet.ForwardingHealth;
import org.remoteforward.mailet.ForwardingParts;
import org.remoteforward.mailet.JamesHeloName;
import org.remoteforward.mailet.ProcessorNames;
import org.remoteforward.mailet.QueuedForwarding;
import org.remoteforward.sender.Credentials;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.MailFrom;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.Transaction;
import org.remoteforward.sender.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous forwarding, RCPT side: at a client's first RCPT it opens a transaction with the
 * downstream (a pooled session, MAIL FROM with the client's sender) and gives the client, for
 * each RCPT, the downstream's own answer: a recipient the downstream refuses is refused to the
 * client, with the downstream's code and text, and a downstream that cannot be reached is a 4xx,
 * never a silent accept. {@link ForwardingMessageHook} sends the message at the end of DATA.
 *
 * <p>James's own RCPT checks (relaying, authentication: the RCPT hooks after this one in the
 * chain, which is where James puts those of {@code CoreCmdHandlerLoader}) decide first: this hook
 * runs them itself, and contacts the downstream only when none of them has taken a decision.
 * Configured in smtpserver.xml with RemoteForwardMailet's downstream parameters as child elements:
 * <pre>
 * &lt;handler class="org.remoteforward.smtp.ForwardingRcptHook"&gt;
 *   &lt;targets&gt;tcp://mx.internal:25&lt;/targets&gt;
 *   &lt;afterForward&gt;ghost&lt;/afterForward&gt;
 * &lt;/handler&gt;
 * </pre>
 */
public class ForwardingRcptHook implements RcptHook, DataLineFilter, DisconnectHandler<SMTPSession>, ExtensibleHandler {
    /** Where James's MailSizeEsmtpExtension keeps the size a client declared with MAIL FROM's SIZE parameter. */
    static final ProtocolSession.AttachmentKey<Integer> DECLARED_SIZE = ProtocolSession.AttachmentKey.of("MESG_SIZE", Integer.class);
    private static final Logger LOGGER = LoggerFactory.getLogger(ForwardingRcptHook.class);

    private final MailetContext mailetContext;
    private final MailQueueFactory<?> queues;
    private final MetricFactory metricFactory;
    private final CredentialsVault vault;
    private final ProcessorNames processors;
    private final ForwardingHealth health;
    private Optional<AutoCloseable> healthRegistration = Optional.empty();
    private List<RcptHook> jamesChecks = List.of();
    private SynchronousForwardConfig config;
    private DownstreamSender sender;
    private Optional<QueuedForwarding> retries = Optional.empty();
    private Handoff handoff;

    @Inject
    public ForwardingRcptHook(MailetContext mailetContext, MailQueueFactory<?> queues, MetricFactory metricFactory, CredentialsVault vault,
                              ProcessorNames processors, ForwardingHealth health) {
        this.mailetContext = mailetContext;
        this.queues = queues;
        this.metricFactory = metricFactory;
        this.vault = vault;
        this.processors = processors;
        this.health = health;
    }

    /** With a health registry of its own: for a hook made outside James's injector (tests). */
    public ForwardingRcptHook(MailetContext mailetContext, MailQueueFactory<?> queues, MetricFactory metricFactory, CredentialsVault vault,
                              ProcessorNames processors) {
        this(mailetContext, queues, metricFactory, vault, processors, new ForwardingHealth());
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        ForwardingParts parts = new ForwardingParts(mailetContext, queues, metricFactory, vault, processors, health, Clock.systemUTC());
        String name = getClass().getSimpleName();
        DeliveryNotices notices;
        FailedRecipientsRoute failedRecipients;
        try {
            config = SynchronousForwardConfig.parse(parameters(configuration), JamesHeloName.of(mailetContext));
            processors.require(SynchronousForwardConfig.AFTER_FORWARD, config.afterForward());
            processors.require(SynchronousForwardConfig.FAILED_RECIPIENTS_PROCESSOR, config.failedRecipientsProcessor());
            notices = DeliveryNotices.of(config.forward(), config.sender().forwardsClientCredentials(), mailetContext, vault, parts.clock());
            sender = ForwardingParts.sender(config.sender());
            if (config.failedRecipientsProcessor().isPresent()) {
                failedRecipients = FailedRecipientsRoute.toProcessor(mailetContext, config.failedRecipientsProcessor().get());
                healthRegistration = Optional.of(health.register(sender, name));
            } else {
                QueuedForwarding queued = parts.queued(name, config.forward(), sender);
                retries = Optional.of(queued);
                failedRecipients = FailedRecipientsRoute.retried(queued);
            }
        } catch (InvalidConfigurationException e) {
            throw new ConfigurationException(getClass().getName() + " " + e.getMessage(), e);
        }
        handoff = new Handoff(config, failedRecipients, notices, DeliveryMetrics.synchronous(metricFactory, config.sender().endpoints()));
        config.warnings().forEach(warning -> LOGGER.warn("{}: {}", getClass().getSimpleName(), warning));
        LOGGER.info("SMTP transactions are forwarded as they happen over {} to {}; accepted messages are then {}; recipients the"
                + " downstream fails after the client was answered are {}", config.sender().protocol(), config.sender().endpoints(),
            config.afterForward().map(processor -> "processed from " + processor).orElse("dropped by James"),
            config.failedRecipientsProcessor().map(processor -> "handed to processor " + processor)
                .orElse("retried and bounced through queue " + config.forward().delivery().outgoingQueue()));
    }

    /** Asks for the whole handler chain: to check ForwardingMessageHook is in it, and to find the RCPT checks that follow this hook. */
    @Override
    public List<Class<?>> getMarkerInterfaces() {
        return List.of(ProtocolHandler.class);
    }

    @Override
    public void wireExtensions(Class<?> markerInterface, List<?> handlers) throws WiringException {
        Optional<String> problem = HandlerChainCheck.problem(handlers);
        if (problem.isPresent()) {
            throw new WiringException(problem.get());
        }
        // the RCPT hooks James would call after this one, were it to decline: they decide before the downstream hears of a recipient
        List<RcptHook> later = new ArrayList<>();
        boolean afterThis = false;
        for (Object handler : handlers) {
            if (handler == this) {
                afterThis = true;
            } else if (afterThis && handler instanceof RcptHook hook) {
                later.add(hook);
            }
        }
        jamesChecks = List.copyOf(later);
    }

    /** The handler element's children, by name; its own attributes ({@code class}) are not parameters. */
    private static Map<String, String> parameters(Configuration configuration) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Iterator<String> keys = configuration.getKeys(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.startsWith("[@")) {
                parameters.put(key, configuration.getString(key));
            }
        }
        return parameters;
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender mailFrom, MailAddress recipient) {
        // RcptHook's default variants call one another in a circle: every one of them comes here
        return doRcpt(session, mailFrom, recipient, Map.of());
    }

    @Override
    public HookResult doRcpt(SMTPSession session, MaybeSender mailFrom, MailAddress recipient, Map<String, String> parameters) {
        for (RcptHook check : jamesChecks) {
            HookResult decided = check.doRcpt(session, mailFrom, recipient, parameters);
            if (HookReturnCode.Action.ACTIVE_ACTIONS.contains(decided.getResult().getAction())) {
                // refused (not allowed to relay, say), or taken by James itself (its postmaster): not forwarded
                LOGGER.debug("RCPT {} decided by {}: {}", PrintableText.address(recipient.asString()), check.getClass().getName(), decided.getResult());
                return decided;
            }
        }
        return forward(session, mailFrom, recipient, parameters);
    }

    private HookResult forward(SMTPSession session, MaybeSender mailFrom, MailAddress recipient, Map<String, String> parameters) {
        OpenForward open = OpenForward.current(session)
            .orElseGet(() -> OpenForward.open(session, begin(session, mailFrom, recipient), handoff));
        Reply reply = open.transaction().recipient(recipient.asString(), SessionDsn.recipient(parameters));
        if (!reply.isPositive()) {
            // refused at RCPT: this recipient's outcome, which the client hears now
            handoff.metrics().count(reply.isPermanent() ? Outcome.PERMANENT_FAILURE : Outcome.TEMPORARY_FAILURE, open.transaction().endpoint());
        }
        LOGGER.debug("RCPT {} forwarded to {}: {}", PrintableText.address(recipient.asString()),
            open.transaction().endpoint().map(Object::toString).orElse("no endpoint"), reply);
        return RelayedReply.of(reply);
    }

    private Transaction begin(SMTPSession session, MaybeSender mailFrom, MailAddress firstRecipient) {
        Optional<Credentials> credentials = sender.forwardsClientCredentials()
            ? ForwardCredentialsHook.confirmedCredentials(session)
            : Optional.empty();
        // the SIZE the client declared, which James keeps in the session even when it does not advertise SIZE itself,
        // plus the Received field James puts in front: what the downstream will get
        OptionalLong declaredSize = session.getAttachment(DECLARED_SIZE, ProtocolSession.State.Transaction)
            .map(size -> OptionalLong.of(size.longValue() + JamesReceivedField.octets(session, firstRecipient))).orElse(OptionalLong.empty());
        MailFrom from = MailFrom.of(mailFrom.asOptional().map(MailAddress::asString).orElse("")).withCredentials(credentials)
            .withOrigin(Optional.of(SessionOrigin.of(session))).withDeclaredSize(declaredSize).withDsn(SessionDsn.envelope(session));
        return sender.begin(from, config.clientIdleTimeout());
    }

    /** A line of the client's message: the client is busy, not idle, whatever the time since its last RCPT. */
    @Override
    public Response onLine(SMTPSession session, byte[] line, LineHandler<SMTPSession> next) {
        OpenForward.current(session).ifPresent(open -> open.transaction().clientActive());
        return next.onLine(session, line);
    }

    @Override
    public void onDisconnect(SMTPSession session) {
        OpenForward.end(session);
    }

    @Override
    public void destroy() {
        healthRegistration.ifPresent(ForwardingHealth::unregister);
        retries.ifPresent(QueuedForwarding::close);
        if (sender != null) {
            sender.close();
        }
    }
}
