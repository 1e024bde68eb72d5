package org.remoteforward.config.maddy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    /**
     * One target module found, and the mailet parameters that do the same.
     *
     * @param notes what the operator should know of the conversion (a path resolved, a setting
     *     James takes only on some Java versions), printed with the fragment
     */
    public record Fragment(String origin, Map<String, String> parameters, List<String> notes) {
        public Fragment {
            parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
            notes = List.copyOf(notes);
        }
    }

    /**
     * What the top level of a maddy configuration gives every target: its {@code hostname},
     * {@code debug}, {@code tls_client { }} (maddy's target.smtp inherits them) and
     * {@code runtime_dir}, against which maddy resolves relative unix sockets.
     */
    private record Globals(Optional<String> hostname, Optional<Node> debug, Optional<Node> tlsClient, String runtimeDir,
                           Function<String, String> environment) {
    }

    /** maddy's runtime directory when the configuration names none (its DefaultRuntimeDirectory). */
    static final String DEFAULT_RUNTIME_DIR = "/run/maddy";
    private static final Pattern ENV = Pattern.compile("\\{env:([^$}]+)\\}");

    /**
     * maddy's directives of target.smtp / target.lmtp that carry over; the parameter each becomes is
     * {@link Parameter}'s to say (it knows every maddy spelling).
     */
    private static final Set<String> TARGET_DIRECTIVES = Set.of("debug", "starttls", "attempt_starttls", "require_tls", "auth",
        "targets", "connect_timeout", "command_timeout", "submission_timeout", "hostname");
    /** maddy's directives of tls_client { }, likewise. */
    private static final Set<String> TLS_CLIENT_DIRECTIVES = Set.of("root_ca", "cert", "key", "protocols", "ciphers", "curves");

    private MaddyConverter() {
    }

    /**
     * The fragments for every target.smtp / target.lmtp of the configuration; {@code {env:NAME}}
     * is looked up in this process's environment.
     *
     * @throws SyntaxException naming the line that cannot be read or cannot carry over
     */
    public static List<Fragment> convert(String config) throws SyntaxException {
        return convert(config, System::getenv);
    }

    /** As {@link #convert(String)}, with {@code environment} for maddy's {@code {env:NAME}} placeholders. */
    static List<Fragment> convert(String config, Function<String, String> environment) throws SyntaxException {
        List<Node> top = MaddyConfig.parse(config);
        Optional<String> hostname = Optional.empty();
        Optional<Node> debug = Optional.empty();
        Optional<Node> tlsClient = Optional.empty();
        String runtimeDir = DEFAULT_RUNTIME_DIR;
        for (Node node : top) {
            if (node.name().equals("hostname") && node.args().size() == 1 && !node.hasBlock()) {
                hostname = Optional.of(node.args().get(0));
            } else if (node.name().equals("debug") && !node.hasBlock()) {
                debug = Optional.of(node);
            } else if (node.name().equals("tls_client") && node.args().isEmpty()) {
                tlsClient = Optional.of(node);
            } else if (node.name().equals("runtime_dir") && node.args().size() == 1) {
                runtimeDir = node.args().get(0);
            } else if (node.name().equals("import")) {
                throw new SyntaxException(node.line(), "import " + String.join(" ", node.args())
                    + ": cannot carry over; put what it brings in into this file, or convert that file too");
            }
        }
        List<Fragment> found = new ArrayList<>();
        collect(top, new Globals(hostname, debug, tlsClient, runtimeDir, environment), found);
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
        Map<Map<String, String>, List<String>> notes = new LinkedHashMap<>();
        for (Fragment fragment : found) {
            origins.merge(fragment.parameters(), fragment.origin(), (first, again) -> first + ", and " + again);
            notes.computeIfAbsent(fragment.parameters(), p -> new ArrayList<>()).addAll(fragment.notes());
        }
        List<Fragment> fragments = new ArrayList<>();
        int number = 0;
        for (Map.Entry<Map<String, String>, String> target : origins.entrySet()) {
            number++;
            Map<String, String> parameters = new LinkedHashMap<>(target.getKey());
            if (origins.size() > 1) {
                parameters.put("outgoingQueue", "remote-forward-" + number);
            }
            fragments.add(new Fragment(target.getValue(), parameters, notes.get(target.getKey()).stream().distinct().toList()));
        }
        return fragments;
    }

    private static void collect(List<Node> nodes, Globals globals, List<Fragment> fragments) throws SyntaxException {
        for (Node node : nodes) {
            if (node.name().equals("target.smtp") || node.name().equals("target.lmtp")) {
                String protocol = node.name().substring("target.".length());
                // maddy: the first name is the module's, any more are aliases of it
                String name = node.args().isEmpty() ? "(anonymous)" : String.join(" ", node.args());
                fragments.add(fragment(node.name() + " " + name + " (line " + node.line() + ")", protocol, List.of(), node, globals));
            } else if (isInlineTarget(node, "deliver_to") || isInlineTarget(node, "target")) {
                // deliver_to smtp|lmtp|target.smtp|target.lmtp ENDPOINT... [{ ... }], and target.queue's target the same way
                String protocol = node.args().get(0).replace("target.", "");
                List<String> endpoints = node.args().subList(1, node.args().size());
                fragments.add(fragment(node.name() + " " + String.join(" ", node.args()) + " (line " + node.line() + ")", protocol,
                    endpoints, node, globals));
            } else {
                // pipelines, destinations, target.queue, other modules: the targets inside them still count
                collect(node.children(), globals, fragments);
            }
        }
    }

    private static boolean isInlineTarget(Node node, String directive) {
        return node.name().equals(directive) && !node.args().isEmpty()
            && Set.of("smtp", "lmtp", "target.smtp", "target.lmtp").contains(node.args().get(0));
    }

    private static Fragment fragment(String origin, String protocol, List<String> endpoints, Node block, Globals globals)
        throws SyntaxException {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("protocol", protocol);
        globals.hostname().ifPresent(name -> parameters.put("heloName", name));
        if (!endpoints.isEmpty()) {
            parameters.put("targets", String.join(" ", endpoints));
        }
        Set<String> written = new HashSet<>();
        for (Node directive : block.children()) {
            if (directive.name().equals("tls_client")) {
                for (Node tls : tlsDirectives(directive)) {
                    put(parameters, written, tls, TLS_CLIENT_DIRECTIVES, "tls_client");
                }
            } else {
                put(parameters, written, directive, TARGET_DIRECTIVES, block.name());
            }
        }
        // what maddy's target.smtp inherits from the top level, unless the block says otherwise
        if (globals.tlsClient().isPresent()) {
            Map<String, String> inherited = new LinkedHashMap<>();
            Set<String> own = new HashSet<>();
            for (Node tls : tlsDirectives(globals.tlsClient().get())) {
                put(inherited, own, tls, TLS_CLIENT_DIRECTIVES, "tls_client");
            }
            inherited.forEach((name, value) -> {
                if (!written.contains(name)) {
                    parameters.put(name, value);
                }
            });
        }
        if (globals.debug().isPresent() && !written.contains("debug")) {
            parameters.put("debug", String.join(" ", globals.debug().get().args()));
        }
        List<String> notes = new ArrayList<>();
        resolveRelativeSockets(parameters, globals.runtimeDir(), notes);
        if (parameters.containsKey("tlsCurves")) {
            notes.add("tlsCurves is chosen per connection on Java 20 or later; James on Java 11 to 19 refuses to start with it:"
                + " there, leave it out and start James with -Djdk.tls.namedGroups=" + parameters.get("tlsCurves").replace(' ', ','));
        }
        Map<String, String> resolved = environment(parameters, block.line(), globals.environment(), notes);
        try {
            ForwardConfigParser.parse(resolved, globals.hostname().orElse("localhost"));
        } catch (InvalidConfigurationException e) {
            throw new SyntaxException(block.line(), origin + ": " + e.getMessage());
        }
        return new Fragment(origin, parameters, notes);
    }

    private static List<Node> tlsDirectives(Node tlsClient) throws SyntaxException {
        if (!tlsClient.args().isEmpty()) {
            throw new SyntaxException(tlsClient.line(), "tls_client takes a block, not '" + String.join(" ", tlsClient.args()) + "'");
        }
        return tlsClient.children();
    }

    /**
     * maddy resolves {@code unix://relative} against its {@code runtime_dir} (its default
     * {@value #DEFAULT_RUNTIME_DIR}), James against its working directory: written absolute.
     */
    private static void resolveRelativeSockets(Map<String, String> parameters, String runtimeDir, List<String> notes) {
        String targets = parameters.get("targets");
        if (targets == null) {
            return;
        }
        List<String> written = new ArrayList<>();
        for (String endpoint : targets.split("[\\s,]+")) {
            if (endpoint.startsWith("unix://") && !endpoint.startsWith("unix:///")) {
                String absolute = "unix://" + (runtimeDir.endsWith("/") ? runtimeDir : runtimeDir + "/") + endpoint.substring("unix://".length());
                notes.add(endpoint + " is relative to maddy's runtime_dir (" + runtimeDir + "): written as " + absolute);
                written.add(absolute);
            } else if (!endpoint.isEmpty()) {
                written.add(endpoint);
            }
        }
        parameters.put("targets", String.join(" ", written));
    }

    /**
     * maddy's {@code {env:NAME}} placeholders: written as commons-configuration's
     * {@code ${env:NAME}}, which James expands when it reads mailetcontainer.xml, as maddy did at its
     * start; checked here with this environment's value, so a variable not set here is refused.
     *
     * @return the parameters with each placeholder's value, as the check reads them
     */
    private static Map<String, String> environment(Map<String, String> parameters, int line, Function<String, String> environment,
                                                   List<String> notes) throws SyntaxException {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            Matcher placeholder = ENV.matcher(parameter.getValue());
            StringBuilder value = new StringBuilder();
            while (placeholder.find()) {
                String name = placeholder.group(1);
                String found = environment.apply(name);
                if (found == null) {
                    throw new SyntaxException(line, "{env:" + name + "} (in " + parameter.getKey() + ") is not set in this environment:"
                        + " set it as James will have it, so that what it gives can be checked");
                }
                placeholder.appendReplacement(value, Matcher.quoteReplacement(found));
                notes.add("{env:" + name + "} is written ${env:" + name + "}: James reads it from its environment when it starts");
            }
            placeholder.appendTail(value);
            resolved.put(parameter.getKey(), value.toString());
            parameter.setValue(ENV.matcher(parameter.getValue()).replaceAll(match -> Matcher.quoteReplacement("${env:" + match.group(1) + "}")));
        }
        return resolved;
    }

    private static void put(Map<String, String> parameters, Set<String> written, Node directive, Set<String> known, String where)
        throws SyntaxException {
        if (!known.contains(directive.name()) || directive.hasBlock()) {
            throw new SyntaxException(directive.line(), directive.name() + (directive.hasBlock() ? " { }" : "")
                + ": not a directive of maddy's " + where + " that RemoteForwardMailet knows; it cannot carry over");
        }
        String parameter = Parameter.named(directive.name()).parameterName();
        if (!written.add(parameter)) {
            throw new SyntaxException(directive.line(), directive.name() + " is given twice");
        }
        List<String> args = directive.args();
        if (parameter.equals("auth") && args.size() == 3) {
            // auth plain|login USER PASS: apart, so that a quoted password with spaces stays whole
            parameters.put("auth", args.get(0));
            parameters.put("authUsername", args.get(1));
            parameters.put("authPassword", args.get(2));
            return;
        }
        String value = String.join(" ", args);
        if (parameter.equals("targets") && parameters.containsKey("targets")) {
            // deliver_to smtp A { targets B }: maddy tries B, then A
            value = value + " " + parameters.get("targets");
        }
        parameters.put(parameter, value);
    }

    /** The fragments as mailetcontainer.xml takes them, each after a comment saying where it came from. */
    public static String toXml(List<Fragment> fragments) {
        StringBuilder xml = new StringBuilder();
        for (Fragment fragment : fragments) {
            xml.append("<!-- from maddy's ").append(commentText(fragment.origin())).append(" -->\n");
            for (String note : fragment.notes()) {
                xml.append("<!-- note: ").append(commentText(note)).append(" -->\n");
            }
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
            List<Fragment> fragments = convert(ConfigurationText.read(name));
            out.print(toXml(fragments));
            out.flush();
            fragments.stream().flatMap(fragment -> fragment.notes().stream()).distinct()
                .forEach(note -> err.println(PrintableText.line("maddy-convert: note: " + note)));
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
