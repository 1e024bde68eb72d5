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

    /**
     * The RFC 3463 code the reply carries, when the server gave one: RFC 2034 lets every line carry
     * it, and a server that puts it on one line only puts it on the last (Cyrus's {@code 550-Mailbox
     * unknown...} / {@code 550 5.1.1 User unknown}), so the last line that has one decides.
     */
    public Optional<EnhancedStatus> enhancedStatus() {
        for (int i = lines.size() - 1; i >= 0; i--) {
            Optional<EnhancedStatus> status = EnhancedStatus.leading(lines.get(i), code);
            if (status.isPresent()) {
                return status;
            }
        }
        return Optional.empty();
    }

    /**
     * The lines' text joined by spaces, with the leading enhanced status code of each dropped; at
     * most {@link PrintableText#MAX_CHARS} characters, saying what was cut, since this is the text
     * logs, DSNs and attributes keep (once per recipient) of a reply that may be 4 MB.
     */
    public String text() {
        StringBuilder joined = new StringBuilder();
        long total = 0;
        for (String line : lines) {
            String bare = EnhancedStatus.textAfter(line, code);
            int separator = total > 0 && !bare.isEmpty() ? 1 : 0;
            total += separator + bare.length();
            if (joined.length() <= PrintableText.MAX_CHARS) {
                joined.append(separator == 1 ? " " : "").append(bare);
            }
        }
        return PrintableText.line(joined, PrintableText.MAX_CHARS, total);
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

    /**
     * As the server would have written it, lines joined: {@code 550 5.1.1 no such user}; at most
     * {@link PrintableText#MAX_CHARS} characters, saying what was cut (the form logs, DSNs, health and
     * failure details keep).
     */
    @Override
    public String toString() {
        StringBuilder joined = new StringBuilder().append(code);
        long total = joined.length();
        boolean empty = lines.size() == 1 && lines.get(0).isEmpty();
        for (int i = 0; i < lines.size() && !empty; i++) {
            String separator = i == 0 ? " " : " / ";
            total += separator.length() + lines.get(i).length();
            if (joined.length() <= PrintableText.MAX_CHARS) {
                joined.append(separator).append(lines.get(i));
            }
        }
        return PrintableText.line(joined, PrintableText.MAX_CHARS, total);
    }
}
