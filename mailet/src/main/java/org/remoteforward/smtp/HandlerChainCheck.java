package org.remoteforward.smtp;

import java.util.List;
import java.util.Optional;

import org.apache.james.smtpserver.SendMailHandler;

/**
 * Whether an smtpserver.xml handler chain holds what ForwardingRcptHook needs: ForwardingMessageHook,
 * before the message hook that queues the message ({@link SendMailHandler}, one of
 * CoreCmdHandlerLoader's). Without it the recipients accepted downstream would never be sent the
 * message. Other message hooks may come before it (James's DSN hooks, content checks): James runs
 * them first; those after it ForwardingMessageHook runs itself, before it forwards. (James puts
 * the handlers of CoreCmdHandlerLoader after all configured ones, wherever the loader is named, so
 * the order only goes wrong with a chain built some other way.)
 */
final class HandlerChainCheck {
    private HandlerChainCheck() {
    }

    /** What is wrong with the chain; empty when nothing is. */
    static Optional<String> problem(List<?> handlers) {
        int messageHook = -1;
        for (int i = 0; i < handlers.size() && messageHook < 0; i++) {
            if (handlers.get(i) instanceof ForwardingMessageHook) {
                messageHook = i;
            }
        }
        if (messageHook < 0) {
            return Optional.of("ForwardingMessageHook is missing from the handler chain: without it the recipients"
                + " ForwardingRcptHook accepts downstream would never be sent the message; add it before CoreCmdHandlerLoader");
        }
        for (int i = 0; i < messageHook; i++) {
            Object handler = handlers.get(i);
            if (handler instanceof SendMailHandler) {
                return Optional.of("ForwardingMessageHook must come before CoreCmdHandlerLoader in smtpserver.xml: "
                    + handler.getClass().getName() + " runs first, and it queues the message in James");
            }
        }
        return Optional.empty();
    }
}
