package org.remoteforward.sender;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Builds MAIL FROM: every parameter it declares is decided here, for both the queued and the
 * synchronous path.
 *
 * <ul>
 * <li>{@code SIZE=n} where the server offers SIZE and the size is known (the message's, or the one
 *     the client declared);</li>
 * <li>{@code BODY=8BITMIME} for 8-bit content; when the message is not known yet (synchronous
 *     path), wherever the server offers it, since it costs nothing for 7-bit content;</li>
 * <li>{@code SMTPUTF8} where the server offers it and the transaction needs it: a UTF-8 address or
 *     UTF-8 headers (RFC 6531, 6532). When the message is not known yet (synchronous path), only
 *     for a UTF-8 address known now: James's SMTP server takes no SMTPUTF8 from its client, so
 *     its client's message has no UTF-8 header it may send, and a server that sees SMTPUTF8 files
 *     the mail as UTF-8 mail (Exim's {@code P=utf8esmtp}). A recipient named later that needs
 *     UTF-8 is then sent in its ASCII form or refused ({@link #declaresSmtpUtf8}).</li>
 * <li>{@code RET} and {@code ENVID} as the client asked, where the server offers DSN ({@link DsnArguments}).</li>
 * </ul>
 */
final class MailFromCommand {
    private MailFromCommand() {
    }

    /**
     * What is known of the message when MAIL FROM goes.
     *
     * @param size the message's size or the size the client declared; empty when unknown
     * @param traits the scanned message, when it is here (queued path)
     * @param utf8Envelope whether the sender or a recipient known so far needs UTF-8
     * @param dsn the client's DSN request
     */
    record Declarations(OptionalLong size, Optional<MessageTraits> traits, boolean utf8Envelope, DsnRequest dsn) {
    }

    /** Whether MAIL FROM declares SMTPUTF8: what the transaction's later addresses may then use on the wire. */
    static boolean declaresSmtpUtf8(Capabilities capabilities, Declarations declared) {
        return capabilities.has("SMTPUTF8")
            && (declared.utf8Envelope() || declared.traits().map(MessageTraits::eightBitHeaders).orElse(false));
    }

    static SmtpCommand build(String wireSender, Capabilities capabilities, Declarations declared) {
        StringBuilder mail = new StringBuilder("FROM:<").append(wireSender).append('>');
        if (declared.size().isPresent() && declared.size().getAsLong() >= 0 && capabilities.has("SIZE")) {
            mail.append(" SIZE=").append(declared.size().getAsLong());
        }
        boolean eightBit = declared.traits().map(MessageTraits::eightBit).orElse(capabilities.has("8BITMIME"));
        if (eightBit) {
            mail.append(" BODY=8BITMIME");
        }
        if (declaresSmtpUtf8(capabilities, declared)) {
            mail.append(" SMTPUTF8");
        }
        mail.append(DsnArguments.mailFrom(declared.dsn(), capabilities));
        return SmtpCommand.of("MAIL", mail.toString());
    }
}
