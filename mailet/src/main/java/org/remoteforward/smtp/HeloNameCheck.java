package org.remoteforward.smtp;

import org.apache.james.protocols.smtp.SMTPRetCode;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HeloHook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.remoteforward.sender.PrintableText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a HELO or EHLO name with a control character in it (a bare CR, say), which James 3.8.1
 * takes and writes into the {@code Received:} field of every message of the session. On the queued
 * path of a memory James that field is re-read by James's own mail queue, whose reader ends a line
 * at a bare CR, so what follows the CR becomes a header field of the client's choosing
 * ({@code Authentication-Results: ...; dkim=pass}) before any mailet sees the mail: the one place
 * to stop it is the SMTP server. In smtpserver.xml's handler chain, before James's own:
 * <pre>
 * &lt;handler class="org.remoteforward.smtp.HeloNameCheck"/&gt;
 * </pre>
 */
public class HeloNameCheck implements HeloHook {
    private static final Logger LOGGER = LoggerFactory.getLogger(HeloNameCheck.class);

    @Override
    public HookResult doHelo(SMTPSession session, String helo) {
        for (int i = 0; i < helo.length(); i++) {
            char c = helo.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                LOGGER.info("refused HELO/EHLO name with control character 0x{}: '{}'", Integer.toHexString(c), PrintableText.line(helo, 200));
                return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode(SMTPRetCode.SYNTAX_ERROR_ARGUMENTS)
                    .smtpDescription("5.5.4 HELO/EHLO name with a control character (0x" + Integer.toHexString(c) + ") refused").build();
            }
        }
        return HookResult.DECLINED;
    }
}
