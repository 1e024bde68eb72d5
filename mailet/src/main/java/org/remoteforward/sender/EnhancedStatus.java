package org.remoteforward.sender;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RFC 3463 enhanced status code such as {@code 5.1.1}.
 *
 * @param statusClass 2, 4 or 5
 * @param subject the subject sub-code
 * @param detail the detail sub-code
 */
public record EnhancedStatus(int statusClass, int subject, int detail) {

    private static final Pattern LEADING = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s|$)");

    /**
     * Reads the code at the start of a reply line's text; the class must agree with the reply
     * code's first digit, as RFC 3463 requires, or the text is taken as plain prose.
     */
    static Optional<EnhancedStatus> leading(String text, int replyCode) {
        Matcher m = LEADING.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        int statusClass = Integer.parseInt(m.group(1));
        if (statusClass != replyCode / 100) {
            return Optional.empty();
        }
        return Optional.of(new EnhancedStatus(statusClass, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
    }

    /** The line's text after its leading enhanced status code, as written (a code such as {@code 5.01.1} included); the whole line when it has none. */
    static String textAfter(String line, int replyCode) {
        Matcher m = LEADING.matcher(line);
        if (!m.find() || leading(line, replyCode).isEmpty()) {
            return line;
        }
        return line.substring(m.end(3)).stripLeading();
    }

    @Override
    public String toString() {
        return statusClass + "." + subject + "." + detail;
    }
}
