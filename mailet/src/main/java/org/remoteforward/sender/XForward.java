package org.remoteforward.sender;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Postfix's XFORWARD: before MAIL FROM, the original client's attributes, those the server
 * advertises, xtext-encoded, {@code [UNAVAILABLE]} where unknown, in commands no longer than
 * Postfix takes. Informational: a server that refuses it still gets the message. Where the server
 * offers PIPELINING the commands lead MAIL FROM's group, as Postfix's own client sends them, so
 * they cost no round trip of their own.
 */
final class XForward {
    static final String UNAVAILABLE = "[UNAVAILABLE]";
    /** Postfix reads an XFORWARD line of up to 512 octets; values longer than 255 are not names it would take. */
    private static final int MAX_LINE = 500;
    private static final int MAX_VALUE = 255;

    private XForward() {
    }

    /** The XFORWARD commands for the origin, with the attributes the server offers, in Postfix's order. */
    static List<String> commands(ClientOrigin origin, Set<String> offered) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("NAME", value(origin.name()));
        attributes.put("ADDR", value(origin.address().map(XForward::address)));
        attributes.put("PROTO", value(origin.protocol()));
        attributes.put("HELO", value(origin.helo()));
        attributes.put("SOURCE", origin.local() ? "LOCAL" : "REMOTE");
        List<String> commands = new ArrayList<>();
        StringBuilder line = new StringBuilder("XFORWARD");
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            if (!offered.contains(attribute.getKey())) {
                continue;
            }
            String pair = attribute.getKey() + "=" + attribute.getValue();
            if (line.length() + 1 + pair.length() > MAX_LINE) {
                commands.add(line.toString());
                line = new StringBuilder("XFORWARD");
            }
            line.append(' ').append(pair);
        }
        if (line.length() > "XFORWARD".length()) {
            commands.add(line.toString());
        }
        return commands;
    }

    /** The same commands, ready for the wire: to send one by one, or to lead MAIL FROM's pipelined group. */
    static List<SmtpCommand> wireCommands(ClientOrigin origin, Set<String> offered) {
        return commands(origin, offered).stream().map(command -> SmtpCommand.of("XFORWARD", command.substring("XFORWARD ".length()))).toList();
    }

    /** Sends them one by one; the server's refusal, if any (the transaction goes on without it). */
    static Optional<Reply> send(SmtpSession session, ClientOrigin origin, Set<String> offered) throws IOException {
        for (SmtpCommand command : wireCommands(origin, offered)) {
            Reply reply = session.command(command);
            if (!reply.isPositive()) {
                return Optional.of(reply);
            }
        }
        return Optional.empty();
    }

    private static String address(String address) {
        // Postfix takes an IPv6 address with this prefix
        return address.contains(":") ? "IPV6:" + address : address;
    }

    private static String value(Optional<String> value) {
        return value.filter(v -> !v.isBlank()).map(Xtext::encode).filter(v -> v.length() <= MAX_VALUE).orElse(UNAVAILABLE);
    }
}
