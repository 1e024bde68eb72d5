package org.remoteforward.sender;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * RFC 3461's xtext, the encoding of DSN parameters (ENVID, ORCPT) and of XFORWARD's values:
 * printable ASCII but {@code +} and {@code =} as it is, every other octet as {@code +HH}.
 */
public final class Xtext {
    private Xtext() {
    }

    /** The xtext of {@code value}'s UTF-8 octets. */
    public static String encode(String value) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= '!' && c <= '~' && c != '+' && c != '=') {
                encoded.append((char) c);
            } else {
                encoded.append('+').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return encoded.toString();
    }

    /**
     * The text {@code xtext} encodes (its octets read as UTF-8); empty when it is not xtext: a
     * character outside {@code !}..{@code ~}, an {@code =}, or a {@code +} not followed by two
     * upper-case hexadecimal digits.
     */
    public static Optional<String> decode(String xtext) {
        ByteArrayOutputStream octets = new ByteArrayOutputStream();
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length() || !isHex(xtext.charAt(i + 1)) || !isHex(xtext.charAt(i + 2))) {
                    return Optional.empty();
                }
                octets.write(Integer.parseInt(xtext.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c >= '!' && c <= '~' && c != '=') {
                octets.write(c);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(octets.toString(StandardCharsets.UTF_8));
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
