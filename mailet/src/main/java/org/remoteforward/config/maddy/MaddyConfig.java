package org.remoteforward.config.maddy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * maddy's configuration syntax, read into a tree: a directive is a name and arguments on one line,
 * with an optional block of directives in braces; {@code #} starts a comment; arguments may be
 * double-quoted; {@code $(name) = value} defines a macro that {@code $(name)} later stands for.
 * Enough of maddy's grammar for the modules the converter carries over; it says which line it
 * cannot read.
 */
public final class MaddyConfig {
    /** One directive, where it was written. */
    public record Node(String name, List<String> args, List<Node> children, int line, boolean hasBlock) {
    }

    /** A line the reader cannot take, or that cannot carry over. */
    public static final class SyntaxException extends Exception {
        public SyntaxException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    /** maddy's own limit on nested blocks (it refuses the 257th level). */
    static final int MAX_DEPTH = 256;
    private static final Pattern MACRO = Pattern.compile("\\$\\(([^$]+?)\\)");

    private final List<List<String>> lines = new ArrayList<>();
    private final List<Integer> lineNumbers = new ArrayList<>();
    private final Map<String, List<String>> macros = new HashMap<>();
    private int position;

    private MaddyConfig() {
    }

    /** The top-level directives of a configuration text. */
    public static List<Node> parse(String text) throws SyntaxException {
        MaddyConfig reader = new MaddyConfig();
        reader.tokenize(text);
        List<Node> nodes = reader.block(0, "", 0);
        if (reader.position < reader.lines.size()) {
            throw new SyntaxException(reader.lineNumbers.get(reader.position), "'}' without a block to close");
        }
        return nodes;
    }

    private void tokenize(String text) throws SyntaxException {
        String[] physical = text.split("\r?\n", -1);
        // a brace is a line of its own for the reader: "name args {" opens, "}" closes
        List<String> current = new ArrayList<>();
        int starts = 1;
        for (int number = 1; number <= physical.length; number++) {
            List<String> tokens = tokens(physical[number - 1], number);
            // maddy: a lone \ at the end of a line continues the directive on the next one
            boolean continues = !tokens.isEmpty() && tokens.get(tokens.size() - 1).equals("\\");
            if (continues) {
                tokens = tokens.subList(0, tokens.size() - 1);
            }
            if (current.isEmpty()) {
                starts = number;
            }
            for (String token : tokens) {
                if (token.equals("{")) {
                    current.add(token);
                    add(current, starts);
                    current = new ArrayList<>();
                    starts = number;
                } else if (token.equals("}")) {
                    if (!current.isEmpty()) {
                        add(current, starts);
                        current = new ArrayList<>();
                    }
                    add(List.of("}"), number);
                    starts = number;
                } else {
                    current.add(token);
                }
            }
            if (!continues && !current.isEmpty()) {
                add(current, starts);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            add(current, starts);
        }
    }

    private void add(List<String> tokens, int number) {
        lines.add(tokens);
        lineNumbers.add(number);
    }

    private static List<String> tokens(String line, int number) throws SyntaxException {
        List<String> tokens = new ArrayList<>();
        StringBuilder token = null;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    // maddy's lexer: a backslash quotes a quote; any other backslash is itself
                    token.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    token.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                token = token == null ? new StringBuilder() : token;
            } else if (c == '#') {
                break;
            } else if (Character.isWhitespace(c)) {
                if (token != null) {
                    tokens.add(token.toString());
                    token = null;
                }
            } else if ((c == '{' || c == '}') && token == null && (i + 1 == line.length() || Character.isWhitespace(line.charAt(i + 1)))) {
                // a brace opens or closes a block only as a word of its own, as maddy's lexer has it ({env:NAME} is a word)
                tokens.add(String.valueOf(c));
            } else {
                token = token == null ? new StringBuilder() : token;
                token.append(c);
            }
        }
        if (quoted) {
            throw new SyntaxException(number, "a quoted string is not closed");
        }
        if (token != null) {
            tokens.add(token.toString());
        }
        for (String word : tokens) {
            for (int i = 0; i < word.length(); i++) {
                if (!isXmlChar(word.charAt(i))) {
                    // what the converter reads may end up in mailetcontainer.xml: refused where it is written (a comment may hold anything)
                    throw new SyntaxException(number, "character 0x" + Integer.toHexString(word.charAt(i)) + " cannot be written in XML 1.0"
                        + " (mailetcontainer.xml), so it cannot carry over");
                }
            }
        }
        return tokens;
    }

    /** XML 1.0's Char production, for one UTF-16 unit (a surrogate is half of a character XML can hold). */
    private static boolean isXmlChar(char c) {
        return c == '\t' || c == '\n' || c == '\r' || c >= 0x20 && c <= 0xfffd;
    }

    private List<Node> block(int depth, String opener, int openerLine) throws SyntaxException {
        List<Node> nodes = new ArrayList<>();
        while (position < lines.size()) {
            List<String> tokens = lines.get(position);
            int number = lineNumbers.get(position);
            position++;
            if (tokens.equals(List.of("}"))) {
                if (depth == 0) {
                    throw new SyntaxException(number, "'}' without a block to close");
                }
                return nodes;
            }
            boolean opens = tokens.get(tokens.size() - 1).equals("{");
            List<String> words = opens ? tokens.subList(0, tokens.size() - 1) : tokens;
            if (words.isEmpty()) {
                throw new SyntaxException(number, "a block without a directive name");
            }
            if (words.size() >= 2 && words.get(0).startsWith("$(") && words.get(1).equals("=")) {
                if (depth > 0) {
                    throw new SyntaxException(number, "a macro is defined at the top level only, as maddy has it");
                }
                macros.put(words.get(0), expand(words.subList(2, words.size()), number));
                continue;
            }
            List<String> expanded = expand(words, number);
            if (expanded.isEmpty()) {
                throw new SyntaxException(number, "a directive name cannot come from a macro, as in maddy");
            }
            if (opens && depth == MAX_DEPTH) {
                // read recursively: without a bound, 100,000 nested blocks are a StackOverflowError
                throw new SyntaxException(number, "blocks nested deeper than " + MAX_DEPTH + ", which maddy does not read either");
            }
            List<Node> children = opens ? block(depth + 1, expanded.get(0), number) : List.of();
            nodes.add(new Node(expanded.get(0), List.copyOf(expanded.subList(1, expanded.size())), children, number, opens));
        }
        if (depth > 0) {
            throw new SyntaxException(openerLine, "the block of '" + opener + "' is not closed");
        }
        return nodes;
    }

    /**
     * maddy's macro expansion: an argument that is a whole {@code $(name)} becomes the macro's
     * arguments (none when undefined); {@code $(name)} inside an argument becomes its one value
     * (empty when undefined; a macro of several arguments cannot go inside a string).
     */
    private List<String> expand(List<String> words, int number) throws SyntaxException {
        List<String> expanded = new ArrayList<>();
        for (String word : words) {
            if (word.startsWith("$(") && word.endsWith(")") && word.indexOf(')') == word.length() - 1) {
                expanded.addAll(macros.getOrDefault(word, List.of()));
            } else if (word.contains("$(") && word.contains(")")) {
                expanded.add(expandInside(word, number));
            } else {
                expanded.add(word);
            }
        }
        return expanded;
    }

    private String expandInside(String word, int number) throws SyntaxException {
        Matcher macro = MACRO.matcher(word);
        StringBuilder out = new StringBuilder();
        while (macro.find()) {
            List<String> value = macros.getOrDefault("$(" + macro.group(1) + ")", List.of());
            if (value.size() > 1) {
                throw new SyntaxException(number, "$(" + macro.group(1) + ") has several arguments and cannot go inside '" + word + "'");
            }
            macro.appendReplacement(out, Matcher.quoteReplacement(value.isEmpty() ? "" : value.get(0)));
        }
        macro.appendTail(out);
        return out.toString();
    }
}
