package org.remoteforward.mailet;

import java.net.InetAddress;
import java.util.ArrayList;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.remoteforward.config.ForwardConfig;
import org.remoteforward.config.ForwardConfigParser;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.sender.AuthMode;
import org.remoteforward.sender.Credentials;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Envelope;
import org.remoteforward.sender.InvalidTlsSettingException;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards each mail, unmodified, to a fixed list of SMTP or LMTP servers, as maddy's
 * {@code target.smtp} and {@code target.lmtp} do.
 *
 * <p>Recipients the downstream accepts are done and removed. Recipients that failed leave in a
 * new mail, sent to the {@code errorProcessor} (default {@code error}) with the attribute
 * {@value FailureAttributes#NAME} telling, per recipient, whether the failure is temporary or
 * permanent and what the server replied. The mail itself is then ghosted: every recipient has
 * either been delivered or handed on.
 *
 * <p>Parameters are parsed once, at {@link #init()}, which fails on any value it cannot use with
 * a message naming the parameter. See the README for the list.
 */
public class RemoteForwardMailet extends GenericMailet {
    private static final Logger LOGGER = LoggerFactory.getLogger(RemoteForwardMailet.class);
    /** Where James's own RemoteDelivery finds the server's HELO name when none is configured. */
    private static final String JAMES_HELO_NAME_ATTRIBUTE = "org.apache.james.HelloName";

    private final CredentialsVault vault;
    private ForwardConfig config;
    private DownstreamSender sender;

    public RemoteForwardMailet() {
        this(CredentialsVault.shared());
    }

    RemoteForwardMailet(CredentialsVault vault) {
        this.vault = vault;
    }

    @Override
    public void init() throws MessagingException {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Iterator<String> names = getInitParameterNames(); names.hasNext(); ) {
            String name = names.next();
            parameters.put(name, getInitParameter(name));
        }
        try {
            config = ForwardConfigParser.parse(parameters, defaultHeloName());
        } catch (InvalidConfigurationException e) {
            throw new MessagingException(getMailetName() + " " + e.getMessage(), e);
        }
        try {
            sender = DownstreamSender.create(config.sender());
        } catch (InvalidTlsSettingException e) {
            throw new MessagingException(getMailetName() + " " + ForwardConfigParser.parameterFor(e.setting()) + ": " + e.getMessage(), e);
        }
        config.warnings().forEach(warning -> LOGGER.warn("{}: {}", getMailetName(), warning));
        LOGGER.info("{} forwards over {} to {}", getMailetName(), config.sender().protocol(), config.sender().endpoints());
    }

    private String defaultHeloName() {
        Object configured = getMailetContext() == null ? null : getMailetContext().getAttribute(JAMES_HELO_NAME_ATTRIBUTE);
        if (configured instanceof String name && !name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Collection<MailAddress> recipients = mail.getRecipients();
        if (recipients.isEmpty()) {
            mail.setState(Mail.GHOST);
            return;
        }
        Optional<Credentials> credentials = config.sender().auth() == AuthMode.FORWARD ? vault.credentialsFor(mail) : Optional.empty();
        Envelope envelope = new Envelope(
            mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse(""),
            recipients.stream().map(MailAddress::asString).toList(),
            credentials);

        DeliveryResult result = sender.deliver(envelope, new MailMessageSource(mail));

        log(mail, result);
        List<RecipientResult> failed = result.failed();
        if (failed.stream().noneMatch(r -> r.outcome() == Outcome.TEMPORARY_FAILURE)) {
            // nothing will be sent again with these credentials
            vault.release(mail);
        }
        if (failed.isEmpty()) {
            mail.setRecipients(List.of());
            mail.setState(Mail.GHOST);
            return;
        }
        handOver(mail, failed);
    }

    /**
     * Sends the failed recipients on as a new mail. Should James refuse that, the mail itself goes
     * to the error processor with them instead: delivered recipients are removed either way, so
     * nobody gets the message twice and nobody is dropped.
     */
    private void handOver(Mail mail, List<RecipientResult> failed) throws MessagingException {
        List<MailAddress> failedAddresses = addresses(failed);
        String summary = failed.stream().map(r -> r.recipient() + ": " + r.detail()).collect(Collectors.joining("; "));
        mail.setRecipients(failedAddresses);
        Mail failures = mail.duplicate();
        try {
            failures.setAttribute(FailureAttributes.of(failed));
            failures.setErrorMessage(summary);
            getMailetContext().sendMail(failures, config.errorProcessor());
        } catch (MessagingException | RuntimeException e) {
            LOGGER.error("{}: could not send the failed recipients of mail {} to {} as a new mail; the mail itself goes there",
                getMailetName(), mail.getName(), config.errorProcessor(), e);
            mail.setAttribute(FailureAttributes.of(failed));
            mail.setErrorMessage(summary);
            mail.setState(config.errorProcessor());
            return;
        } finally {
            LifecycleUtil.dispose(failures);
        }
        mail.setRecipients(List.of());
        mail.setState(Mail.GHOST);
    }

    private static List<MailAddress> addresses(List<RecipientResult> results) throws MessagingException {
        List<MailAddress> addresses = new ArrayList<>();
        for (RecipientResult result : results) {
            addresses.add(new MailAddress(result.recipient()));
        }
        return addresses;
    }

    private void log(Mail mail, DeliveryResult result) {
        if (!LOGGER.isInfoEnabled()) {
            return;
        }
        String delivered = result.delivered().stream().map(RecipientResult::recipient).collect(Collectors.joining(", "));
        String failed = result.failed().stream()
            .map(r -> r.recipient() + " (" + r.outcome().name().toLowerCase(Locale.ROOT) + ": " + r.detail() + ")")
            .collect(Collectors.joining(", "));
        LOGGER.info("{}: mail {} delivered to [{}] failed for [{}]", getMailetName(), mail.getName(), delivered, failed);
    }

    @Override
    public void destroy() {
        if (sender != null) {
            sender.close();
        }
    }

    @Override
    public String getMailetInfo() {
        return "RemoteForwardMailet: transparent SMTP/LMTP forwarding to fixed targets";
    }
}
