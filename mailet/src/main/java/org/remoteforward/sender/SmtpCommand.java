package org.remoteforward.sender;

import java.util.Locale;

/**
 * One command line for the server, typed by its verb: the session writes {@link #line}, the
 * dialogue log shows {@link #shown} (redacted where the line carries a secret), and timeouts and
 * errors name the verb without parsing the line again.
 *
 * @param verb the command's verb as the protocol names it ({@code MAIL}, {@code RCPT}, {@code AUTH}, ...)
 * @param line the line as sent, without its CRLF
 * @param shown the line as logged
 * @param secret whether the line carries a secret: the server's challenge to it is then logged by code only
 */
record SmtpCommand(String verb, String line, String shown, boolean secret) {
    static final SmtpCommand STARTTLS = bare("STARTTLS");
    static final SmtpCommand DATA = bare("DATA");
    static final SmtpCommand RSET = bare("RSET");
    static final SmtpCommand QUIT = bare("QUIT");

    private static SmtpCommand bare(String verb) {
        return new SmtpCommand(verb, verb, verb, false);
    }

    /** MAIL FROM: from here until the final reply to the message the server holds a transaction. */
    boolean opensTransaction() {
        return "MAIL".equals(verb);
    }

    /** {@code VERB arguments}. */
    static SmtpCommand of(String verb, String arguments) {
        String line = verb.toUpperCase(Locale.ROOT) + " " + arguments;
        return new SmtpCommand(verb.toUpperCase(Locale.ROOT), line, line, false);
    }

    /** @param arguments the parameters after the address, each with its leading space; empty for none */
    static SmtpCommand rcptTo(String wireAddress, String arguments) {
        return of("RCPT", "TO:<" + wireAddress + ">" + arguments);
    }

    /** A line carrying a secret (an AUTH response), logged as {@code shown}. */
    static SmtpCommand secret(String verb, String line, String shown) {
        return new SmtpCommand(verb, line, shown, true);
    }

    /** A line of an exchange the verb began (an AUTH continuation), logged as it is. */
    static SmtpCommand continuation(String verb, String line) {
        return new SmtpCommand(verb, line, line, false);
    }
}
