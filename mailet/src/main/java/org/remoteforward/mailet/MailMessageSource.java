package org.remoteforward.mailet;

import java.io.IOException;
import java.io.OutputStream;
import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.remoteforward.sender.MessageSource;

/**
 * A James mail's message as the sender wants it. James hands mailets a MimeMessageWrapper (behind
 * a copy-on-write proxy) whose writeTo streams the bytes it received as they are when no mailet
 * changed the message, and the untouched body after rewritten headers when one did: nothing is
 * re-encoded and nothing is held in memory here.
 */
final class MailMessageSource implements MessageSource {
    private final Mail mail;

    MailMessageSource(Mail mail) {
        this.mail = mail;
    }

    @Override
    public long size() {
        try {
            return mail.getMessageSize();
        } catch (MessagingException e) {
            // an unknown size only means no SIZE= declaration; the server still checks at DATA
            return -1;
        }
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        try {
            mail.getMessage().writeTo(out);
        } catch (MessagingException e) {
            throw new IOException("cannot read the message of mail " + mail.getName() + ": " + e.getMessage(), e);
        }
    }
}
