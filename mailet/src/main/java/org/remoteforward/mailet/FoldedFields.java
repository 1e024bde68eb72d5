package org.remoteforward.mailet;

/**
 * Header-style fields (RFC 5322 2.2.3, as RFC 3464's delivery-status fields are) folded so that a
 * bounce of ours never has a line the mail system refuses: lines are broken at spaces near 78
 * characters, and a run of text with no space for 998 octets is broken inside it. Downstream reply
 * texts can be long; without this a multi-line 550 made a bounce no server, this mailet included,
 * would take.
 */
final class FoldedFields {
    /** RFC 5322 2.1.1: lines SHOULD stay within 78 characters, and MUST within 998. */
    private static final int SHOULD = 78;
    private static final int MUST = 998;

    private FoldedFields() {
    }

    /** {@code name: value} with its CRLF, folded. */
    static String field(String name, String value) {
        return fold(name + ": " + value) + "\r\n";
    }

    /** One logical line folded: each break is a CRLF before a space, so unfolding gives the text back (broken runs gain that space). */
    static String fold(String line) {
        StringBuilder folded = new StringBuilder(line.length() + 16);
        int lineStart = 0;
        int lastSpace = -1;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ' && i > lineStart) {
                if (i - lineStart > SHOULD && lastSpace > lineStart) {
                    folded.append(line, lineStart, lastSpace).append("\r\n");
                    lineStart = lastSpace;
                }
                lastSpace = i;
            } else if (i - lineStart >= MUST - 2) {
                // no space to break at: break the run itself
                folded.append(line, lineStart, i).append("\r\n ");
                lineStart = i;
                lastSpace = -1;
            }
        }
        if (line.length() - lineStart > SHOULD && lastSpace > lineStart) {
            folded.append(line, lineStart, lastSpace).append("\r\n");
            lineStart = lastSpace;
        }
        return folded.append(line, lineStart, line.length()).toString();
    }

    /** Every line of a header section made to fit: a line over 998 octets (already out of bounds in the original) is folded. */
    static String fitLines(String lines) {
        StringBuilder fitted = new StringBuilder(lines.length());
        for (String line : lines.split("\r\n", -1)) {
            if (fitted.length() > 0) {
                fitted.append("\r\n");
            }
            fitted.append(line.length() > MUST ? fold(line) : line);
        }
        return fitted.toString();
    }
}
