package org.remoteforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Every mailet fragment in conf-samples/ names our mailet and parses into a valid configuration. */
class ConfSamplesTest {
    private static final Path SAMPLES = Path.of("..", "conf-samples");

    @Test
    void everySampleParses() throws Exception {
        List<Path> samples;
        try (Stream<Path> files = Files.list(SAMPLES)) {
            samples = files.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
        }
        assertThat(samples).isNotEmpty();
        for (Path sample : samples) {
            Element mailet = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(sample.toFile()).getDocumentElement();
            assertThat(mailet.getAttribute("class")).as(sample.toString()).isEqualTo("org.remoteforward.mailet.RemoteForwardMailet");
            Map<String, String> parameters = new LinkedHashMap<>();
            for (Node child = mailet.getFirstChild(); child != null; child = child.getNextSibling()) {
                if (child instanceof Element element) {
                    parameters.put(element.getTagName(), element.getTextContent());
                }
            }
            ForwardConfig config = ForwardConfigParser.parse(parameters, "relay.example.com");
            assertThat(config.sender().endpoints()).as(sample.toString()).isNotEmpty();
        }
    }
}
