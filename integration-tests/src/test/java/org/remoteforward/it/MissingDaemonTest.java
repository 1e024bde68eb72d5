package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** A test whose daemon is not installed fails in one line that names the package, not with "Cannot run program". */
class MissingDaemonTest {
    @Test
    void aMissingProgramIsNamedWithItsPackage() {
        assertThatThrownBy(() -> Daemons.requireInstalled(Path.of("/nonexistent/sbin/postfix"), "postfix"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("/nonexistent/sbin/postfix is not installed: apt-get install postfix (or run bin/test as root, which installs"
                + " what the tests need)");
    }
}
