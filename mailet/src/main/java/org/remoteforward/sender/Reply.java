package org.remoteforward.sender;

import java.util.List;
import java.util.Optional;

/**
 * A complete server reply: the three-digit code and every line's text (without the code and
 * separator). Multi-line replies keep all their lines.
 *
 * @param code the reply code, 200 to 599
 * @param lines the text of each line, at least one (possibly empty)
 */
public record Reply(int code, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply has at least one line");
        }
    }

    public static Reply of(int code, String text) {
        return new Reply(code, List.of(text));
    }

    /** The RFC 3463 code of the first line, when the server gave one. */
    public Optional<EnhancedStatus> enhancedStatus() {
        return EnhancedStatus.leading(lines.get(0), code);
    }

    /** The lines' text joined by spaces, with the leading enhanced status code of each dropped. */
    public String text() {
        StringBuilder joined = new StringBuilder();
        for (String line : lines) {
            String bare = EnhancedStatus.leading(line, code)
                .map(status -> line.substring(status.toString().length()).stripLeading())
                .orElse(line);
            if (joined.length() > 0 && !bare.isEmpty()) {
                joined.append(' ');
            }
            joined.append(bare);
        }
        return joined.toString();
    }

    public boolean isPositive() {
        return code / 100 == 2;
    }

    public boolean isIntermediate() {
        return code / 100 == 3;
    }

    public boolean isTransient() {
        return code / 100 == 4;
    }

    public boolean isPermanent() {
        return code / 100 == 5;
    }

    /** As the server would have written it, lines joined: {@code 550 5.1.1 no such user}. */
    @Override
    public String toString() {
        String text = String.join(" / ", lines);
        return text.isEmpty() ? Integer.toString(code) : code + " " + text;
    }
}
