package org.remoteforward.smtp;

import java.nio.charset.Charset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;

/**
 * The size of the {@code Received:} field James's SMTP server writes in front of its client's
 * message ({@code ReceivedDataLineFilter} in James 3.8.1, always in its handler chain): what the
 * downstream gets is the client's message plus that field, so the SIZE declared downstream is the
 * client's plus this (RFC 1870: the size of what will be sent).
 *
 * <p>Worked out from the same session values James writes, at the first recipient: the field names
 * the recipient only when it is the transaction's only one, so a later recipient can only make it
 * smaller. The remote host name is the one James will write, which it looks up then anyway (the
 * address object keeps the name, so asking for it now costs no second lookup).
 */
final class JamesReceivedField {
    /** James's own pattern for the date line. */
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z (zzz)", Locale.US);
    /** James's continuation-line indent ({@code ReceivedDataLineFilter.Header.MULTI_LINE_PREFIX}). */
    private static final int INDENT = 10;
    private static final int CRLF = 2;

    private JamesReceivedField() {
    }

    /** Octets of the field, line ends included, as James will write it for this session with {@code recipient} its only recipient. */
    static long octets(SMTPSession session, MailAddress recipient) {
        Optional<String> heloMode = session.getAttachment(SMTPSession.CURRENT_HELO_MODE, ProtocolSession.State.Connection);
        Optional<String> heloName = session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection);
        StringBuilder from = new StringBuilder("Received: from ").append(session.getRemoteAddress().getHostName());
        if (heloMode.isPresent() && heloName.isPresent()) {
            from.append(" (").append(heloMode.get()).append(' ').append(heloName.get()).append(')');
        }
        from.append(" ([").append(session.getRemoteAddress().getAddress().getHostAddress()).append("])");
        String serviceType = !"EHLO".equals(heloMode.orElse("")) ? "SMTP" : session.getUsername() == null ? "ESMTP" : "ESMTPA";
        String by = "by " + session.getConfiguration().getHelloName() + " (" + session.getConfiguration().getSoftwareName() + ") with "
            + serviceType + " ID " + session.getSessionID();
        String forRecipient = "for <" + recipient + ">;";
        String date = DATE.format(ZonedDateTime.now());
        Charset charset = session.getCharset();
        return octets(from, charset) + CRLF
            + INDENT + octets(by, charset) + CRLF
            + INDENT + octets(forRecipient, charset) + CRLF
            + INDENT + octets(date, charset) + CRLF;
    }

    private static long octets(CharSequence text, Charset charset) {
        return text.toString().getBytes(charset).length;
    }
}
