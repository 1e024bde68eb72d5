package org.remoteforward.it;

import javax.mail.MessagingException;

import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Mail;

/**
 * A content check of the kind operators put in smtpserver.xml (URIRBLHandler, a spam checker):
 * it refuses a message whose subject asks for it, for now or for good, and stamps every other one
 * with a header, so a test can see that it ran and that what it changed went on.
 */
public class ContentCheckHook implements JamesMessageHook {
    static final String STAMP = "X-Content-Checked";

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        try {
            String subject = String.valueOf(mail.getMessage().getSubject());
            if (subject.contains("refuse me for good")) {
                return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("554")
                    .smtpDescription("5.7.1 content refused by the content check").build();
            }
            if (subject.contains("refuse me for now")) {
                return HookResult.builder().hookReturnCode(HookReturnCode.denySoft()).smtpReturnCode("451")
                    .smtpDescription("4.7.1 content check unavailable, try later").build();
            }
            mail.getMessage().addHeader(STAMP, "yes");
            mail.getMessage().saveChanges();
            return HookResult.DECLINED;
        } catch (MessagingException e) {
            return HookResult.builder().hookReturnCode(HookReturnCode.denySoft()).smtpReturnCode("451")
                .smtpDescription("4.3.0 content check failed").build();
        }
    }
}
