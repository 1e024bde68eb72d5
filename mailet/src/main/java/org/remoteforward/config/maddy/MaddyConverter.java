package org.remoteforward.config.maddy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.remoteforward.config.ForwardConfigParser;
import org.remoteforward.config.InvalidConfigurationException;
import org.remoteforward.config.Parameter;
import org.remoteforward.config.maddy.MaddyConfig.Node;
import org.remoteforward.config.maddy.MaddyConfig.SyntaxException;
import org.remoteforward.sender.PrintableText;

/**
 * Turns the {@code target.smtp} and {@code target.lmtp} modules of a maddy configuration into
 * RemoteForwardMailet fragments for mailetcontainer.xml: named and anonymous blocks, and
 * {@code deliver_to smtp|lmtp ENDPOINT... [{ ... }]} wherever it is written, with their nested
 * {@code tls_client { }}; the global {@code hostname} becomes {@code heloName}. What cannot carry
 * over is refused naming the directive and its line; each fragment is then read as the mailet
 * would read it, so that what is printed is what James starts with.
 *
 * <pre>
 * bin/maddy-convert /etc/maddy/maddy.conf
 * </pre>
 */
public final class MaddyConverter {
    /** One target module found, and the mailet parameters that do the same. */
    public record Fragment(String origin, Map<String, String> parameters) {
    }

    /**
     * maddy's directives of target.smtp / target.lmtp that carry over; the parameter each becomes is
     * {@link Parameter}'s to say (it knows every maddy spelling).
     */
    private static final Set<String> TARGET_DIRECTIVES = Set.of("debug", "starttls", "attempt_starttls", "require_tls", "auth",
        "targets", "connect_timeout", "command_timeout", "submission_timeout");
    /** maddy's directives of tls_client { }, likewise. */
    private static final Set<String> TLS_CLIENT_DIRECTIVES = Set.of("root_ca", "cert", "key", "protocols", "ciphers", "curves");

    private MaddyConverter() {
    }

    /**
     * The fragments for every target.smtp / target.lmtp of the configuration.
     *
     * @throws SyntaxException naming the line that cannot be read or cannot carry over
     */
    public static List<Fragment> convert(String config) throws SyntaxException {
        List<Node> top = MaddyConfig.parse(config);
        String hostname = null;
        for (Node node : top) {
            if (node.name().equals("hostname") && node.args().size() == 1 && !node.hasBlock()) {
                hostname = node.args().get(0);
            } else if (node.name().equals("import")) {
                throw new SyntaxException(node.line(), "import " + String.join(" ", node.args())
                    + ": cannot carry over; put what it brings in into this file, or convert that file too");
            }
        }
        List<Fragment> found = new ArrayList<>();
        collect(top, hostname, found);
        if (found.isEmpty()) {
            throw new SyntaxException(1, "no target.smtp or target.lmtp here (nor deliver_to smtp/lmtp): nothing carries over to"
                + " RemoteForwardMailet");
        }
        return distinctQueues(found);
    }

    /**
     * The same target written twice (maddy configurations repeat {@code deliver_to} lines) is one
     * mailet; several different ones each get an outgoing queue of their own, since mailets sharing
     * one would deliver each other's mail.
     */
    private static List<Fragment> distinctQueues(List<Fragment> found) {
        Map<Map<String, String>, String> origins = new LinkedHashMap<>();
        for (Fragment fragment : found) {
            origins.merge(fragment.parameters(), fragment.origin(), (first, again) -> first + ", and " + again);
        }
        List<Fragment> fragments = new ArrayList<>();
        int number = 0;
        for (Map.Entry<Map<String, String>, String> target : origins.entrySet()) {
            number++;
            Map<String, String> parameters = new LinkedHashMap<>(target.getKey());
            if (origins.size() > 1) {
                parameters.put("outgoingQueue", "remote-forward-" + number);
            }
            fragments.add(new Fragment(target.getValue(), parameters));
        }
        return fragments;
    }

    private static void collect(List<Node> nodes, String hostname, List<Fragment> fragments) throws SyntaxException {
        for (Node node : nodes) {
            if (node.name().equals("target.smtp") || node.name().equals("target.lmtp")) {
                String protocol = node.name().substring("target.".length());
                String name = node.args().isEmpty() ? "(anonymous)" : node.args().get(0);
                if (node.args().size() > 1) {
                    throw new SyntaxException(node.line(), node.name() + " takes one name, not " + String.join(" ", node.args()));
                }
                fragments.add(fragment(node.name() + " " + name + " (line " + node.line() + ")", protocol, List.of(), node, hostname));
            } else if (node.name().equals("deliver_to") && !node.args().isEmpty()
                && (node.args().get(0).equals("smtp") || node.args().get(0).equals("lmtp"))) {
                String protocol = node.args().get(0);
                List<String> endpoints = node.args().subList(1, node.args().size());
                fragments.add(fragment("deliver_to " + String.join(" ", node.args()) + " (line " + node.line() + ")", protocol,
                    endpoints, node, hostname));
            } else {
                // pipelines, destinations, other modules: the targets inside them still count
                collect(node.children(), hostname, fragments);
            }
        }
    }

    private static Fragment fragment(String origin, String protocol, List<String> endpoints, Node block, String hostname)
        throws SyntaxException {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("protocol", protocol);
        if (hostname != null) {
            parameters.put("heloName", hostname);
        }
        if (!endpoints.isEmpty()) {
            parameters.put("targets", String.join(" ", endpoints));
        }
        for (Node directive : block.children()) {
            if (directive.name().equals("tls_client")) {
                if (!directive.args().isEmpty()) {
                    throw new SyntaxException(directive.line(), "tls_client takes a block, not '" + String.join(" ", directive.args()) + "'");
                }
                for (Node tls : directive.children()) {
                    put(parameters, tls, TLS_CLIENT_DIRECTIVES, "tls_client");
                }
            } else {
                put(parameters, directive, TARGET_DIRECTIVES, block.name());
            }
        }
        try {
            ForwardConfigParser.parse(parameters, hostname == null ? "localhost" : hostname);
        } catch (InvalidConfigurationException e) {
            throw new SyntaxException(block.line(), origin + ": " + e.getMessage());
        }
        return new Fragment(origin, parameters);
    }

    private static void put(Map<String, String> parameters, Node directive, Set<String> known, String where) throws SyntaxException {
        if (!known.contains(directive.name()) || directive.hasBlock()) {
            throw new SyntaxException(directive.line(), directive.name() + (directive.hasBlock() ? " { }" : "")
                + ": not a directive of maddy's " + where + " that RemoteForwardMailet knows; it cannot carry over");
        }
        String parameter = Parameter.named(directive.name()).parameterName();
        if (parameters.containsKey(parameter)) {
            throw new SyntaxException(directive.line(), directive.name() + " is given twice"
                + (parameter.equals("targets") ? " (deliver_to names them already)" : ""));
        }
        List<String> args = directive.args();
        if (parameter.equals("auth") && args.size() == 3) {
            // auth plain|login USER PASS: apart, so that a quoted password with spaces stays whole
            parameters.put("auth", args.get(0));
            parameters.put("authUsername", args.get(1));
            parameters.put("authPassword", args.get(2));
            return;
        }
        parameters.put(parameter, String.join(" ", args));
    }

    /** The fragments as mailetcontainer.xml takes them, each after a comment saying where it came from. */
    public static String toXml(List<Fragment> fragments) {
        StringBuilder xml = new StringBuilder();
        for (Fragment fragment : fragments) {
            xml.append("<!-- from maddy's ").append(commentText(fragment.origin())).append(" -->\n");
            xml.append("<mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">\n");
            for (Map.Entry<String, String> parameter : fragment.parameters().entrySet()) {
                String name = parameter.getKey();
                String value = parameter.getValue();
                xml.append("    ").append(value.isEmpty() ? "<" + name + "/>" : "<" + name + ">" + escape(value) + "</" + name + ">").append('\n');
            }
            xml.append("</mailet>\n");
        }
        return xml.toString();
    }

    /**
     * Text a comment can hold whole: XML 1.0 lets no comment contain {@code --} nor end in
     * {@code -}, so a name such as {@code relay---><mailet ...>} can neither end the comment nor
     * make the document unreadable. The reader has refused what XML cannot hold at all.
     */
    static String commentText(String text) {
        StringBuilder safe = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '-' && safe.length() > 0 && safe.charAt(safe.length() - 1) == '-') {
                safe.append(' ');
            }
            safe.append(c);
        }
        if (safe.length() > 0 && safe.charAt(safe.length() - 1) == '-') {
            safe.append(' ');
        }
        return safe.toString();
    }

    private static String escape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** {@code MaddyConverter FILE} (or {@code -} for standard input): prints the fragments, or why not and exits 2. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Converts the configuration {@code args[0]} names: the fragments on {@code out} and 0, or one
     * line on {@code err} saying why not and 2, whatever the input (not UTF-8, binary, a folder).
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 1) {
            err.println("usage: maddy-convert FILE   (FILE: a maddy configuration, or - for standard input)");
            return 2;
        }
        String name = args[0];
        try {
            out.print(toXml(convert(ConfigurationText.read(name))));
            out.flush();
            return 0;
        } catch (ConfigurationText.UnreadableException | SyntaxException e) {
            err.println(PrintableText.line(name + ": " + e.getMessage()));
        } catch (RuntimeException e) {
            // a defect of ours, said in one line rather than as a stack trace to an operator
            err.println(PrintableText.line(name + ": cannot be converted (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
        }
        return 2;
    }
}
