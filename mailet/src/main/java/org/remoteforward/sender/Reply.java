package org.remoteforward.sender;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    /** RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its code, separator and CRLF. */
    static final int MAX_TEXT_OCTETS = 512 - 4 - 2;

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
            String bare = EnhancedStatus.textAfter(line, code);
            if (joined.length() > 0 && !bare.isEmpty()) {
                joined.append(' ');
            }
            joined.append(bare);
        }
        return joined.toString();
    }

    /**
     * The lines to give an SMTP client of ours in this reply's name: each within RFC 5321's 512
     * octets (a longer line is split, every piece keeping the line's enhanced status code, as
     * RFC 2034 asks), and no more than {@code maxLines}; when lines are left out, the last one says
     * how many. The text is already free of control characters ({@link ReplyReader}).
     */
    public List<String> linesToRelay(int maxLines) {
        if (maxLines < 2) {
            throw new IllegalArgumentException("at least two lines: one of text, one to say what was left out");
        }
        List<String> pieces = new ArrayList<>();
        for (String line : lines) {
            String text = EnhancedStatus.textAfter(line, code);
            String status = text.length() == line.length() ? "" : line.substring(0, line.length() - text.length()).strip() + " ";
            pieces.addAll(split(status, text));
        }
        if (pieces.size() <= maxLines) {
            return pieces;
        }
        List<String> kept = new ArrayList<>(pieces.subList(0, maxLines - 1));
        String status = enhancedStatus().map(s -> s + " ").orElse("");
        kept.add(status + "(" + (pieces.size() - kept.size()) + " more lines from the downstream server not shown)");
        return kept;
    }

    /** {@code status + text} in pieces of at most {@link #MAX_TEXT_OCTETS} octets, each starting with {@code status}; never splits a character. */
    private static List<String> split(String status, String text) {
        int budget = MAX_TEXT_OCTETS - status.getBytes(StandardCharsets.UTF_8).length;
        List<String> pieces = new ArrayList<>();
        StringBuilder piece = new StringBuilder(status);
        int octets = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (octets + size > budget) {
                pieces.add(piece.toString());
                piece = new StringBuilder(status);
                octets = 0;
            }
            piece.appendCodePoint(codePoint);
            octets += size;
            i += Character.charCount(codePoint);
        }
        pieces.add(piece.toString());
        return pieces;
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
