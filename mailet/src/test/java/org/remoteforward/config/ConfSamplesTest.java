package org.remoteforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.smtp.SynchronousForwardConfig;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Every mailet fragment in conf-samples/ names our mailet and parses into a valid configuration. */
class ConfSamplesTest {
    private static final Path SAMPLES = Path.of("..", "conf-samples");

    @TempDir
    Path files;

    @Test
    void everySampleParses() throws Exception {
        List<Path> samples;
        try (Stream<Path> files = Files.list(SAMPLES)) {
            samples = files.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
        }
        assertThat(samples).isNotEmpty();
        for (Path sample : samples) {
            Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(sample.toFile()).getDocumentElement();
            if (root.getTagName().equals("handlerchain")) {
                assertHandlerChain(sample, root);
                continue;
            }
            if (root.getTagName().equals("included")) {
                assertLogbackFragment(sample);
                continue;
            }
            assertThat(root.getAttribute("class")).as(sample.toString()).isEqualTo("org.remoteforward.mailet.RemoteForwardMailet");
            ForwardConfig config = ForwardConfigParser.parse(withPlaceholderFiles(sample, children(root)), "relay.example.com");
            assertThat(config.sender().endpoints()).as(sample.toString()).isNotEmpty();
        }
    }

    /** A logback fragment: included by a logback.xml as its comment says, it makes our INFO lines visible under James's root WARN. */
    private static void assertLogbackFragment(Path sample) throws Exception {
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        ch.qos.logback.classic.joran.JoranConfigurator configurator = new ch.qos.logback.classic.joran.JoranConfigurator();
        configurator.setContext(context);
        String stock = "<configuration><root level=\"WARN\"/><include file=\"" + sample.toAbsolutePath() + "\"/></configuration>";
        configurator.doConfigure(new java.io.ByteArrayInputStream(stock.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(context.getStatusManager().getCopyOfStatusList()).as(sample.toString())
            .noneMatch(status -> status.getLevel() >= ch.qos.logback.core.status.Status.ERROR);
        assertThat(context.getLogger("org.remoteforward.mailet.DeliveryAttempts").isInfoEnabled()).as(sample.toString()).isTrue();
        assertThat(context.getLogger("org.apache.james.other").isInfoEnabled()).as(sample.toString()).isFalse();
    }

    /** An smtpserver.xml handler chain: both hooks there, ForwardingRcptHook's parameters valid. */
    private static void assertHandlerChain(Path sample, Element chain) throws Exception {
        List<Element> handlers = new ArrayList<>();
        for (Node child = chain.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element) {
                handlers.add(element);
            }
        }
        List<String> classes = handlers.stream().map(handler -> handler.getAttribute("class")).toList();
        assertThat(classes).as(sample.toString()).contains("org.remoteforward.smtp.ForwardingMessageHook",
            "org.apache.james.smtpserver.CoreCmdHandlerLoader");
        int rcptHook = classes.indexOf("org.remoteforward.smtp.ForwardingRcptHook");
        assertThat(rcptHook).as(sample.toString()).isNotNegative();
        SynchronousForwardConfig config = SynchronousForwardConfig.parse(children(handlers.get(rcptHook)), "relay.example.com");
        assertThat(config.sender().endpoints()).as(sample.toString()).isNotEmpty();
    }

    /**
     * The sample's files (a client secret, a refresh token) are placeholders on this machine: each
     * one named by a {@code ...File} parameter that does not exist here is put in a folder of the
     * test's, so that the parser checks everything else as it would on the operator's machine.
     */
    private Map<String, String> withPlaceholderFiles(Path sample, Map<String, String> parameters) throws Exception {
        Map<String, String> here = new LinkedHashMap<>(parameters);
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            Path written = Path.of(parameter.getValue().trim());
            if (parameter.getKey().endsWith("File") && !Files.exists(written)) {
                assertThat(written.isAbsolute()).as(sample + ": " + parameter.getKey() + " names an absolute path").isTrue();
                Path placeholder = Files.createDirectories(files.resolve(sample.getFileName().toString()).resolve(parameter.getKey()))
                    .resolve(written.getFileName());
                Files.writeString(placeholder, "placeholder-" + parameter.getKey() + "\n");
                here.put(parameter.getKey(), placeholder.toString());
            }
        }
        return here;
    }

    private static Map<String, String> children(Element element) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element parameter) {
                parameters.put(parameter.getTagName(), parameter.getTextContent());
            }
        }
        return parameters;
    }
}
