package org.remoteforward.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes the conf/ folder of a James memory server whose processor chain forwards every mail
 * through RemoteForwardMailet: a copy of the templates in {@code james-conf/} with the SMTP bind
 * address and the mailet's parameters filled in, or a copy of an operator's own folder.
 */
public final class JamesConfFolder {
    private static final List<String> TEMPLATES = List.of("imapserver.xml", "jmap.properties", "jmx.properties", "lmtpserver.xml",
        "logback.xml", "mailetcontainer.xml", "managesieveserver.xml", "pop3server.xml", "smtpserver.xml", "usersrepository.xml",
        "webadmin.properties");

    private JamesConfFolder() {
    }

    /** Writes the template configuration into {@code workDir/conf}. */
    public static Path write(Path workDir, int smtpPort, Map<String, String> forwardParameters, String errorMailets) throws IOException {
        return write(workDir, smtpPort, forwardParameters, errorMailets, Map.of());
    }

    /**
     * Writes the template configuration into {@code workDir/conf}; with {@code synchronous}
     * parameters the SMTP server forwards during the transaction too (ForwardingRcptHook).
     */
    public static Path write(Path workDir, int smtpPort, Map<String, String> forwardParameters, String errorMailets,
                             Map<String, String> synchronous) throws IOException {
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        String parameters = elements(forwardParameters, "        ");
        String hooks = synchronous.isEmpty() ? ""
            : "      <handler class=\"org.remoteforward.smtp.ForwardingMessageHook\"/>\n"
            + "      <handler class=\"org.remoteforward.smtp.ForwardingRcptHook\">\n" + elements(synchronous, "        ") + "\n      </handler>\n";
        // the SMTP server seals credentials with the key the mailet opens them with
        String keyFile = forwardParameters.get("credentialsKeyFile");
        String credentialsHook = keyFile == null ? "      <handler class=\"org.remoteforward.smtp.ForwardCredentialsHook\"/>"
            : "      <handler class=\"org.remoteforward.smtp.ForwardCredentialsHook\"><credentialsKeyFile>" + xmlEscape(keyFile)
                + "</credentialsKeyFile></handler>";
        for (String name : TEMPLATES) {
            String text = template(name)
                .replace("${credentialsHook}", credentialsHook)
                .replace("${smtpBind}", "127.0.0.1:" + smtpPort)
                // JMX names are per JVM: two Jameses in one (a benchmark running its paths in turns) need their own
                .replace("${smtpPort}", Integer.toString(smtpPort))
                .replace("${forwardParameters}", parameters)
                .replace("${errorMailets}", errorMailets)
                .replace("${forwardingHandlers}\n", hooks);
            Files.writeString(conf.resolve(name), text);
        }
        return conf;
    }

    /** Copies an operator's James configuration folder into {@code workDir/conf}, untouched. */
    static Path copy(Path source, Path workDir) throws IOException {
        if (!Files.isRegularFile(source.resolve("mailetcontainer.xml"))) {
            throw new IllegalArgumentException("--conf " + source + ": not a James configuration folder (no mailetcontainer.xml)");
        }
        Path conf = Files.createDirectories(workDir.resolve("conf"));
        try (Stream<Path> files = Files.walk(source)) {
            files.forEach(file -> {
                try {
                    Path target = conf.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return conf;
    }

    private static String template(String name) throws IOException {
        try (InputStream in = JamesConfFolder.class.getResourceAsStream("/james-conf/" + name)) {
            if (in == null) {
                throw new IllegalStateException("template james-conf/" + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String elements(Map<String, String> parameters, String indent) {
        return parameters.entrySet().stream()
            .map(e -> indent + "<" + e.getKey() + ">" + xmlEscape(e.getValue()) + "</" + e.getKey() + ">")
            .collect(Collectors.joining("\n"));
    }

    private static String xmlEscape(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
