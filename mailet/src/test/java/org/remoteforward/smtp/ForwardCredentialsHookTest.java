package org.remoteforward.smtp;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.mailet.CredentialsVault;

class ForwardCredentialsHookTest {
    @TempDir
    Path dir;

    private static BaseHierarchicalConfiguration keyFile(Path file) {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty(ForwardCredentialsHook.KEY_FILE, file.toString());
        return configuration;
    }

    @Test
    void aKeyFileWithoutAKeyStopsJamesNamingTheElementAndTheFile() throws Exception {
        Path missing = dir.resolve("forward.key");
        assertThatThrownBy(() -> new ForwardCredentialsHook(new CredentialsVault()).init(keyFile(missing)))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("credentialsKeyFile")
            .hasMessageContaining("cannot read the key file " + missing);

        Path wrong = Files.writeString(dir.resolve("wrong.key"), "not a key");
        assertThatThrownBy(() -> new ForwardCredentialsHook(new CredentialsVault()).init(keyFile(wrong)))
            .hasMessageContaining("holds no 256-bit key").hasMessageNotContaining("not a key");
    }

    @Test
    void aKeyFileOrNoneIsTaken() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path file = Files.writeString(dir.resolve("forward.key"), Base64.getEncoder().encodeToString(key));
        assertThatCode(() -> new ForwardCredentialsHook(new CredentialsVault()).init(keyFile(file))).doesNotThrowAnyException();
        assertThatCode(() -> new ForwardCredentialsHook(new CredentialsVault()).init(new BaseHierarchicalConfiguration()))
            .doesNotThrowAnyException();
    }
}
