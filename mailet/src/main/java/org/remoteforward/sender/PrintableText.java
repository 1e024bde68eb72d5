package org.remoteforward.sender;

import java.util.Collection;

/**
 * The one rule for text that came from the network or a client (an address, a reply, an
 * exception's message) before it goes into a log line, a DSN field, a mail attribute, a health
 * answer or an error: one line, no control character, bounded.
 *
 * <ul>
 * <li>each run of line breaks (CR, LF) and each tab becomes one space, so that nothing can start a
 *     log line or a header field of its own;</li>
 * <li>every other control character (C0, DEL, C1: NUL, ESC among them) becomes {@code ?}, so that a
 *     terminal escape or a NUL shows as what it is without acting;</li>
 * <li>past {@code maxChars} the text is cut, and says how much was left out: a 4 MB greeting is a
 *     few KiB wherever it is kept, once.</li>
 * </ul>
 */
public final class PrintableText {
    /** The bound on reply text and failure details kept for logs, DSNs, attributes and the health answer. */
    public static final int MAX_CHARS = 4096;
    /** RFC 5321 allows 256 octets a path; an address past that is cut in logs and reports. */
    public static final int MAX_ADDRESS_CHARS = 300;

    private PrintableText() {
    }

    /** {@code text} as one printable line of at most {@link #MAX_CHARS} characters and a note of what was cut. */
    public static String line(String text) {
        return line(text, MAX_CHARS);
    }

    /** An address as it may appear in a log line or a report: the rule, cut at {@value #MAX_ADDRESS_CHARS} characters. */
    public static String address(String address) {
        return line(address, MAX_ADDRESS_CHARS);
    }

    /** Addresses (or anything named by its {@code toString}) for a log line: {@code [a, b]}, each by {@link #address}. */
    public static String addresses(Collection<?> addresses) {
        StringBuilder list = new StringBuilder("[");
        for (Object address : addresses) {
            list.append(list.length() > 1 ? ", " : "").append(address(String.valueOf(address)));
        }
        return list.append(']').toString();
    }

    /** {@code text} as one printable line of at most {@code maxChars} characters and a note of what was cut. */
    public static String line(String text, int maxChars) {
        return line(text, maxChars, text.length());
    }

    /**
     * As {@link #line(String, int)}, for the start of a longer text of {@code totalLength}
     * characters (a reply of a thousand lines need not be joined whole to be cut).
     */
    static String line(CharSequence text, int maxChars, long totalLength) {
        int end = Math.min(text.length(), maxChars);
        if (end < totalLength && end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        StringBuilder line = new StringBuilder(end + 48);
        boolean inBreak = false;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                if (!inBreak) {
                    line.append(' ');
                }
                inBreak = true;
                continue;
            }
            inBreak = false;
            if (c == '\t') {
                line.append(' ');
            } else {
                line.append(Character.isISOControl(c) ? '?' : c);
            }
        }
        if (end < totalLength) {
            line.append("... [").append(totalLength - end).append(" more characters cut]");
        }
        return line.toString();
    }
}
