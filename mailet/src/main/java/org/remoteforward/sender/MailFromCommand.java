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
 *     UTF-8 headers (RFC 6531, 6532). When the message and the later recipients are not known
 *     yet, it is declared wherever offered: it can only be declared here, and a UTF-8 recipient or
 *     header sent undeclared is what RFC 6531 forbids.</li>
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

    static SmtpCommand build(String wireSender, Capabilities capabilities, Declarations declared) {
        StringBuilder mail = new StringBuilder("FROM:<").append(wireSender).append('>');
        if (declared.size().isPresent() && declared.size().getAsLong() >= 0 && capabilities.has("SIZE")) {
            mail.append(" SIZE=").append(declared.size().getAsLong());
        }
        boolean eightBit = declared.traits().map(MessageTraits::eightBit).orElse(capabilities.has("8BITMIME"));
        if (eightBit) {
            mail.append(" BODY=8BITMIME");
        }
        boolean needsUtf8 = declared.traits().map(traits -> declared.utf8Envelope() || traits.eightBitHeaders()).orElse(true);
        if (capabilities.has("SMTPUTF8") && needsUtf8) {
            mail.append(" SMTPUTF8");
        }
        mail.append(DsnArguments.mailFrom(declared.dsn(), capabilities));
        return SmtpCommand.of("MAIL", mail.toString());
    }
}
