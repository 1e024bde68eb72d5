package org.remoteforward.documentation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every relative link and image in the operator's documents resolves: the file exists, and a
 * {@code #anchor} names a heading of the file it points to, as GitHub makes heading anchors.
 * Links inside code (fenced blocks, inline code) are not links and are left alone.
 */
class DocumentationLinksTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** {@code [text](target)} and {@code ![alt](target)}; the target has no spaces. */
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<Path> documents = documents();
        assertThat(documents).extracting(p -> ROOT.relativize(p).toString())
            .contains("README.md", "docs/guarantees.md", "docs/benchmark/README.md", "docs/development.md");

        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path document : documents) {
            List<String> lines = Files.readAllLines(document, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                for (String target : links(lines, i)) {
                    links++;
                    Optional<String> why = check(document, target);
                    if (why.isPresent()) {
                        broken.add(ROOT.relativize(document) + ":" + (i + 1) + ": " + why.get());
                    }
                }
            }
        }
        assertThat(links).as("links checked").isGreaterThan(20);
        assertThat(broken).isEmpty();
    }

    @Test
    void theCheckFindsAMissingFileAndAMissingAnchor() throws IOException {
        Path dir = Files.createTempDirectory("links");
        Path doc = Files.writeString(dir.resolve("a.md"), "# Title: with `code`, and 3.8\n\n## Title: with code, and 3.8\n");
        assertThat(check(doc, "a.md#title-with-code-and-38")).isEmpty();
        assertThat(check(doc, "#title-with-code-and-38-1")).isEmpty();
        assertThat(check(doc, "#no-such-heading")).hasValueSatisfying(why -> assertThat(why).contains("no-such-heading"));
        assertThat(check(doc, "missing.md")).hasValueSatisfying(why -> assertThat(why).contains("missing.md"));
        assertThat(check(doc, "https://example.com/x")).isEmpty();
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("conf-samples/README.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    /** The link targets on line {@code index}, outside fenced blocks and inline code. */
    private static List<String> links(List<String> lines, int index) {
        boolean fenced = false;
        for (int i = 0; i < index; i++) {
            if (lines.get(i).trim().startsWith("```")) {
                fenced = !fenced;
            }
        }
        if (fenced || lines.get(index).trim().startsWith("```")) {
            return List.of();
        }
        String prose = lines.get(index).replaceAll("`[^`]*`", "``");
        List<String> targets = new ArrayList<>();
        Matcher matcher = LINK.matcher(prose);
        while (matcher.find()) {
            targets.add(matcher.group(1));
        }
        return targets;
    }

    /** Why {@code target}, linked from {@code document}, does not resolve; empty when it does or is not relative. */
    private static Optional<String> check(Path document, String target) throws IOException {
        if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
            return Optional.empty();
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path linked = file.isEmpty() ? document : document.getParent().resolve(file).normalize();
        if (!Files.exists(linked)) {
            return Optional.of(target + ": no file " + linked);
        }
        if (hash < 0) {
            return Optional.empty();
        }
        String anchor = target.substring(hash + 1);
        if (!linked.toString().endsWith(".md") || !anchors(linked).contains(anchor)) {
            return Optional.of(target + ": no heading #" + anchor + " in " + linked);
        }
        return Optional.empty();
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown, StandardCharsets.UTF_8)) {
            if (line.trim().startsWith("```")) {
                fenced = !fenced;
            }
            Matcher heading = HEADING.matcher(line);
            if (fenced || !heading.matches()) {
                continue;
            }
            String slug = heading.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int repeats = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(repeats == 0 ? slug : slug + "-" + repeats);
        }
        return anchors;
    }
}
