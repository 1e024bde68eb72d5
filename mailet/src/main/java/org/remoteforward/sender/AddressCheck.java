package org.remoteforward.sender;

import java.net.IDN;
import java.util.Optional;

/**
 * Makes an envelope address safe for the wire: nothing that could end or split a command, no
 * more than RFC 5321 allows, and UTF-8 only where the server accepts SMTPUTF8 (otherwise a UTF-8
 * domain becomes its A-label form; a UTF-8 local part cannot be carried).
 */
final class AddressCheck {
    /** RFC 5321 4.5.3.1.3: a path is at most 256 octets, brackets included. */
    static final int MAX_PATH = 254;

    private AddressCheck() {
    }

    /** Why the address can never be sent, or empty when it is acceptable. */
    static Optional<String> unsendable(String address) {
        if (address.length() > MAX_PATH) {
            return Optional.of("address longer than " + MAX_PATH + " characters");
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return Optional.of("address contains control character 0x" + Integer.toHexString(c));
            }
            if (c == '<' || c == '>' || c == ' ') {
                return Optional.of("address contains '" + c + "'");
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the address asks the servers after us to route it on (sender-specified routing,
     * RFC 5321 3.6.1 and 4.1.2): a source route, or a {@code %}, {@code !} or {@code @} in its local
     * part. A downstream that trusts us may rewrite {@code victim%evil.org@example.com} to
     * {@code victim@evil.org} and relay it, though the relay check before us looked at example.com
     * only. Empty when the address names one mailbox plainly.
     */
    static Optional<String> senderRouting(String address) {
        if (address.startsWith("@")) {
            return Optional.of("a source route");
        }
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        for (char c : new char[] {'%', '!', '@'}) {
            if (local.indexOf(c) >= 0) {
                return Optional.of("'" + c + "' in its local part");
            }
        }
        return Optional.empty();
    }

    static boolean isAscii(String address) {
        // a plain loop: this runs for every address of every transaction
        for (int i = 0; i < address.length(); i++) {
            if (address.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The form to send to a server without SMTPUTF8: the same address with its domain in A-labels,
     * or empty when the local part itself needs UTF-8.
     */
    static Optional<String> asciiForm(String address) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        if (!isAscii(local)) {
            return Optional.empty();
        }
        if (at < 0) {
            return Optional.of(address);
        }
        try {
            return Optional.of(local + "@" + IDN.toASCII(address.substring(at + 1), IDN.ALLOW_UNASSIGNED));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The address as it goes on the wire: as is where SMTPUTF8 is offered or it is ASCII, else with A-label domains; empty when it cannot go. */
    static Optional<String> wireForm(String address, boolean smtputf8) {
        if (smtputf8 || isAscii(address)) {
            return Optional.of(address);
        }
        return asciiForm(address);
    }

    /** The address as it may appear in a log line or a bounce ({@link PrintableText#address}). */
    static String printable(String address) {
        return PrintableText.address(address);
    }
}
