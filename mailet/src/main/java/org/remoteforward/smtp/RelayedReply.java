package org.remoteforward.smtp;

import java.util.List;

import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.remoteforward.sender.Reply;

/**
 * A downstream reply given to James's SMTP client as James's own answer: its code, whether James
 * takes the recipient or message, and its text, line by line.
 *
 * <p>The text is the sender's cleaned text (no control characters), cut into lines of at most 512
 * octets and no more than {@value #MAX_LINES} of them ({@link Reply#linesToRelay}). James 3.8.1
 * builds a hook's answer as one line, {@code code + " " + description}; a multi-line answer is
 * written by putting the earlier lines, each with its {@code code-} prefix and CRLF, in front of
 * the final code, which James writes verbatim before the last line. James reads nothing of a hook's
 * code but its first digit (statistics), which stays the reply's own.
 */
final class RelayedReply {
    /** At most this many lines of a downstream reply reach the client; README, "Synchronous forwarding". */
    static final int MAX_LINES = 32;

    private RelayedReply() {
    }

    static HookResult of(Reply reply) {
        HookReturnCode action = reply.isPositive() ? HookReturnCode.ok()
            : reply.isTransient() ? HookReturnCode.denySoft() : HookReturnCode.deny();
        List<String> lines = reply.linesToRelay(MAX_LINES);
        StringBuilder code = new StringBuilder();
        for (String line : lines.subList(0, lines.size() - 1)) {
            code.append(reply.code()).append('-').append(line).append("\r\n");
        }
        code.append(reply.code());
        return HookResult.builder().hookReturnCode(action).smtpReturnCode(code.toString())
            .smtpDescription(lines.get(lines.size() - 1)).build();
    }
}
