package org.remoteforward.smtp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookResultHook;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.james.smtpserver.SendMailHandler;
import org.apache.mailet.Mail;

/**
 * The message hooks James would run after ForwardingMessageHook, split at the one that queues the
 * message ({@link SendMailHandler}): those before it are checks (content filters, header setters,
 * James's default attributes) that must see, and may refuse or change, the message before it is
 * forwarded; the queueing one takes what James keeps for itself. Each result passes through the
 * chain's result hooks, as James's own data handler does.
 *
 * @param checks the hooks after ForwardingMessageHook and before the queueing one, in order
 * @param queueing the hook that queues the message, when the chain has one
 * @param resultHooks what James applies to every hook's result (logging, statistics)
 */
record MessageHookChain(List<JamesMessageHook> checks, Optional<JamesMessageHook> queueing, List<HookResultHook> resultHooks) {
    static final MessageHookChain NONE = new MessageHookChain(List.of(), Optional.empty(), List.of());

    MessageHookChain withHooksAfter(Object self, List<?> messageHooks) {
        List<JamesMessageHook> after = new ArrayList<>();
        Optional<JamesMessageHook> queue = Optional.empty();
        boolean seen = false;
        for (Object hook : messageHooks) {
            if (hook == self) {
                seen = true;
            } else if (seen && hook instanceof SendMailHandler queueHook) {
                queue = Optional.of(queueHook);
                break;
            } else if (seen) {
                after.add((JamesMessageHook) hook);
            }
        }
        return new MessageHookChain(List.copyOf(after), queue, resultHooks);
    }

    MessageHookChain withResultHooks(List<?> hooks) {
        return new MessageHookChain(checks, queueing, hooks.stream().map(HookResultHook.class::cast).toList());
    }

    /** Runs the checks in order; the first answer that is not "declined" (a refusal, say), if one answers. */
    Optional<HookResult> runChecks(SMTPSession session, Mail mail) {
        for (JamesMessageHook check : checks) {
            HookResult result = run(check, session, mail);
            if (result.getResult().getAction() != HookReturnCode.Action.DECLINED) {
                return Optional.of(result);
            }
        }
        return Optional.empty();
    }

    /** Queues the mail as James would at the end of the chain; "declined" (James carries on) when the chain queues nothing. */
    HookResult queue(SMTPSession session, Mail mail) {
        return queueing.map(hook -> run(hook, session, mail)).orElse(HookResult.DECLINED);
    }

    private HookResult run(JamesMessageHook hook, SMTPSession session, Mail mail) {
        long start = System.currentTimeMillis();
        HookResult result = hook.onMessage(session, mail);
        long took = System.currentTimeMillis() - start;
        for (HookResultHook resultHook : resultHooks) {
            result = resultHook.onHookResult(session, result, took, hook);
        }
        return result;
    }
}
