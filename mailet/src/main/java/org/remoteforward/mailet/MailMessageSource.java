package org.remoteforward.mailet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.remoteforward.sender.MessageSource;

/**
 * A James mail's message as the sender wants it: the bytes James received, streamed.
 *
 * <p>James keeps a message as a {@link MimeMessageWrapper} over its source. Its {@code writeTo}
 * re-serialises the header section even when nothing changed, and turns every 8-bit header byte
 * (RFC 6532 UTF-8 headers, raw Latin-1) into '?'. Its {@code getMessageInputStream} hands out
 * the source itself while the message is unmodified, so that is what is read. A message a mailet
 * modified is streamed the way James writes it; other MimeMessage types go through writeTo.
 */
public final class MailMessageSource implements MessageSource {
    private final Mail mail;

    public MailMessageSource(Mail mail) {
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
            MimeMessage message = mail.getMessage();
            if (message instanceof MimeMessageWrapper wrapper) {
                try (InputStream in = wrapper.getMessageInputStream()) {
                    in.transferTo(out);
                }
            } else {
                message.writeTo(out);
            }
        } catch (MessagingException e) {
            throw new IOException("cannot read the message of mail " + mail.getName() + ": " + e.getMessage(), e);
        }
    }
}
