package org.remoteforward.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.remoteforward.testing.TestPki;

/** A test CA and a server certificate for localhost, made before a test class runs and removed after it. */
final class ClassPki implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private Path dir;
    private TestPki ca;
    private TestPki.Issued server;

    ClassPki(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory(name + "-");
        ca = TestPki.create(dir, name);
        server = ca.server();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    TestPki ca() {
        return ca;
    }

    TestPki.Issued server() {
        return server;
    }
}
