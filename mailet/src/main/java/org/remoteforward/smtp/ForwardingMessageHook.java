package org.remoteforward.smtp;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.protocols.api.handler.ExtensibleHandler;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookResultHook;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.remoteforward.sender.PrintableText;
import org.remoteforward.mailet.CredentialsVault;
import org.remoteforward.mailet.MailCopies;
import org.remoteforward.mailet.MailMessageSource;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.Transaction;
import org.remoteforward.sender.Outcome;
import org.remoteforward.sender.RecipientResult;
import org.remoteforward.sender.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous forwarding, message side: at the end of DATA it sends the message, as James
 * received it, over the downstream transaction {@link ForwardingRcptHook} opened, and answers the
 * client with the downstream's reply: its 250, or its 4xx (the client retries) or 5xx (the client
 * bounces). Nothing then stays in James unless configured: with {@code afterForward} naming a
 * processor, a copy for the delivered recipients goes there (local copies, archiving).
 *
 * <p>LMTP answers per recipient. When some recipients are delivered and others not, the client
 * is told 250 (refusing would make it send the delivered ones again) and the failed recipients go,
 * in a copy carrying why, to {@code failedRecipientsProcessor}: a processor with
 * RemoteForwardMailet retries and bounces them like any forwarded mail.
 *
 * <p>The message hooks configured after it (content checks, header changes) and James's own up to
 * the one that queues the message run first, here, in their order: a refusal from one reaches the
 * client and nothing is forwarded; what they change is what goes downstream.
 *
 * <p>Configured in smtpserver.xml's handler chain, where James runs it before the message hooks of
 * its {@code CoreCmdHandlerLoader} (which queue the message); ForwardingRcptHook refuses to start
 * without it:
 * <pre>
 * &lt;handler class="org.remoteforward.smtp.ForwardingMessageHook"/&gt;
 * </pre>
 */
public class ForwardingMessageHook implements JamesMessageHook, ExtensibleHandler {
    private static final Logger LOGGER = LoggerFactory.getLogger(ForwardingMessageHook.class);

    private final MailetContext mailetContext;
    private final CredentialsVault vault;
    /** The message hooks after this one that James would run before it queues the message: they run before the forwarding. */
    private MessageHookChain later = MessageHookChain.NONE;

    @Inject
    public ForwardingMessageHook(MailetContext mailetContext, CredentialsVault vault) {
        this.mailetContext = mailetContext;
        this.vault = vault;
    }

    @Override
    public List<Class<?>> getMarkerInterfaces() {
        return List.of(JamesMessageHook.class, HookResultHook.class);
    }

    @Override
    public void wireExtensions(Class<?> markerInterface, List<?> handlers) {
        if (JamesMessageHook.class.equals(markerInterface)) {
            later = later.withHooksAfter(this, handlers);
        } else if (HookResultHook.class.equals(markerInterface)) {
            later = later.withResultHooks(handlers);
        }
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        Optional<OpenForward> taken = OpenForward.take(session);
        if (taken.isEmpty()) {
            return HookResult.DECLINED;
        }
        OpenForward open = taken.get();
        try (Transaction transaction = open.transaction()) {
            Set<String> forwarded = Set.copyOf(transaction.accepted());
            if (forwarded.isEmpty()) {
                return HookResult.DECLINED;
            }
            // what James would do between here and queueing (content checks, header changes) comes first:
            // a refusal reaches the client and nothing is forwarded (closing the transaction resets it downstream)
            Optional<HookResult> decided = later.runChecks(session, mail);
            if (decided.isPresent()) {
                // refused or taken by the hook: nothing goes out with the client's credentials
                vault.release(mail);
                LOGGER.info("mail {} from <{}> not forwarded: a message hook answered {}", mail.getName(),
                    PrintableText.address(mail.getMaybeSender().asString()), decided.get().getResult());
                return decided.get();
            }
            DeliveryResult result = transaction.message(new MailMessageSource(mail));
            open.handoff().metrics().record(open.clocks(), result);
            List<MailAddress> others = mail.getRecipients().stream()
                .filter(recipient -> !forwarded.contains(recipient.asString())).collect(Collectors.toList());
            LOGGER.info("mail {} from <{}> forwarded to {}: delivered {} failed {}", mail.getName(),
                PrintableText.address(mail.getMaybeSender().asString()), result.endpoint().map(Object::toString).orElse("no endpoint"),
                recipients(result.delivered()), "[" + result.failedForLog() + "]");
            return answer(session, mail, open, result, others);
        } catch (MessagingException | RuntimeException e) {
            // the downstream may have the message; James could not take the rest: only a retry is safe
            LOGGER.error("mail {}: handing the forwarding's outcome to James failed", mail.getName(), e);
            return RelayedReply.of(Reply.of(451, "4.3.0 local error after forwarding; please retry"));
        }
    }

    private HookResult answer(SMTPSession session, Mail mail, OpenForward open, DeliveryResult result, List<MailAddress> others)
        throws MessagingException {
        List<RecipientResult> delivered = result.delivered();
        List<RecipientResult> failed = result.failed();
        if (delivered.isEmpty() && others.isEmpty()) {
            // nothing was taken anywhere: the client keeps the message, and learns why as the downstream said it
            vault.release(mail);
            return RelayedReply.of(failureReply(failed));
        }
        SynchronousForwardConfig config = open.handoff().config();
        if (!failed.isEmpty()) {
            // the client is told the message is taken: from here the relay retries or bounces them
            open.handoff().failedRecipients().take(mail, result.only(failed.stream().map(RecipientResult::recipient).toList()));
        }
        // NOTIFY=SUCCESS the downstream could not take on (no DSN there): ours to report, while the credentials are still held
        open.handoff().notices().delivered(mail, delivered);
        // the delivered ones need the client's credentials no more; the failed ones and those James keeps may
        vault.doneWith(mail, MailCopies.addresses(delivered));
        if (config.afterForward().isPresent() && !delivered.isEmpty()) {
            MailCopies.send(mailetContext, mail, delivered, config.afterForward().get(), MailCopies.Marking.NONE);
        }
        if (!others.isEmpty()) {
            // recipients James took without forwarding (its own postmaster, say) go on through James as usual:
            // queued here, since the hooks before the queueing one have run already
            mail.setRecipients(others);
            return later.queue(session, mail);
        }
        // the downstream's own reply, line by line as it gave it (Exim's "250-3763 byte chunk" / "250 OK id=...")
        Reply accepted = delivered.get(0).reply();
        return RelayedReply.of(failed.isEmpty() ? accepted : Reply.of(250, "2.0.0 delivered to " + delivered.size() + " recipient(s); "
            + failed.size() + " will be retried or bounced by the relay"));
    }

    /** The reply for a message no recipient took: a temporary one when there is one, since the client may then retry. */
    private static Reply failureReply(List<RecipientResult> failed) {
        return failed.stream().filter(r -> r.outcome() == Outcome.TEMPORARY_FAILURE).findFirst()
            .orElse(failed.get(0)).reply();
    }

    private static String recipients(List<RecipientResult> results) {
        return PrintableText.addresses(results.stream().map(RecipientResult::recipient).toList());
    }
}
