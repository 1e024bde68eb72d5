package org.remoteforward.it;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Reads the mailet parameters of a conf-samples/ fragment, so the tests run what operators copy. */
final class ConfSamples {
    private static final Path DIR = Path.of("..", "conf-samples");
    /** What differs per machine, and how a test observes failures: a test may add these to any sample. */
    private static final Set<String> MACHINE_SPECIFIC = Set.of("heloName", "tlsRootCa", "maxRetries", "bounceProcessor");

    private ConfSamples() {
    }

    /** The fragment's parameters, with {@code overrides} (this machine's paths and ports) put over them. */
    static Map<String, String> parameters(String sample, Map<String, String> overrides) throws Exception {
        return overridden(sample, children(root(sample)), overrides);
    }

    /** The parameters of ForwardingRcptHook in a handler chain sample, with {@code overrides} put over them. */
    static Map<String, String> hookParameters(String sample, Map<String, String> overrides) throws Exception {
        for (Node child = root(sample).getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element handler && handler.getAttribute("class").equals("org.remoteforward.smtp.ForwardingRcptHook")) {
                return overridden(sample, children(handler), overrides);
            }
        }
        throw new AssertionError(sample + " has no ForwardingRcptHook");
    }

    private static Element root(String sample) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(DIR.resolve(sample).toFile()).getDocumentElement();
    }

    private static Map<String, String> children(Element element) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element parameter) {
                parameters.put(parameter.getTagName(), parameter.getTextContent().trim());
            }
        }
        return parameters;
    }

    private static Map<String, String> overridden(String sample, Map<String, String> parameters, Map<String, String> overrides) {
        for (String key : overrides.keySet()) {
            if (!parameters.containsKey(key) && !MACHINE_SPECIFIC.contains(key)) {
                throw new AssertionError(sample + " has no " + key + " to override: the sample and the test disagree");
            }
        }
        parameters.putAll(overrides);
        return parameters;
    }
}
