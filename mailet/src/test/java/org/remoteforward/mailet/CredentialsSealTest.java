package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.sender.Credentials;

class CredentialsSealTest {
    private static final Credentials ALICE = new Credentials("alice@example.com", "alice-pw");

    @TempDir
    Path dir;

    private Path keyFile(String name) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Files.writeString(dir.resolve(name), Base64.getEncoder().encodeToString(key) + "\n");
    }

    private static Mail from(String sender) throws Exception {
        return FakeMail.builder().name("m").sender(sender).recipient("b@example.com").build();
    }

    @Test
    void whatIsSealedOpensWithTheSameKeyForAMailOfTheSameSenderAndShowsNoPassword() throws Exception {
        Path key = keyFile("key");
        Mail mail = from("alice@example.com");
        CredentialsSeal seal = CredentialsSeal.fromFile(key);
        seal.sealInto(mail, ALICE);

        String sealed = (String) mail.getAttribute(CredentialsSeal.SEALED).orElseThrow().getValue().getValue();
        assertThat(sealed).startsWith("v2." + seal.keyId() + ".").doesNotContain("alice");
        // what an earlier version sealed, without the key id, still opens
        String v1 = "v1." + sealed.substring(("v2." + seal.keyId() + ".").length());
        assertThat(seal.open(v1, "alice@example.com")).isPresent();
        assertThat(new String(Base64.getUrlDecoder().decode(sealed.substring(("v2." + seal.keyId() + ".").length())),
            StandardCharsets.ISO_8859_1)).doesNotContain("alice-pw");
        assertThat(seal.toString()).contains(seal.keyId()).doesNotContain(java.nio.file.Files.readString(key).trim());
        // another node reads the same file
        assertThat(CredentialsSeal.fromFile(key).openFrom(mail)).contains(ALICE);
    }

    @Test
    void anotherKeyAnotherSenderOrAnAlteredSealOpensNothing() throws Exception {
        CredentialsSeal seal = CredentialsSeal.fromFile(keyFile("key"));
        Mail mail = from("alice@example.com");
        seal.sealInto(mail, ALICE);
        String sealed = (String) mail.getAttribute(CredentialsSeal.SEALED).orElseThrow().getValue().getValue();

        assertThat(CredentialsSeal.fromFile(keyFile("other")).openFrom(mail)).as("another key").isEmpty();

        Mail moved = from("mallory@example.com");
        moved.setAttribute(new Attribute(CredentialsSeal.SEALED, AttributeValue.of(sealed)));
        assertThat(seal.openFrom(moved)).as("moved onto another sender's mail").isEmpty();

        char[] chars = sealed.toCharArray();
        // a byte of the sealed part, past the key id (which only names the key)
        int at = sealed.length() - 5;
        chars[at] = chars[at] == 'A' ? 'B' : 'A';
        mail.setAttribute(new Attribute(CredentialsSeal.SEALED, AttributeValue.of(new String(chars))));
        assertThat(seal.openFrom(mail)).as("altered").isEmpty();
        mail.setAttribute(new Attribute(CredentialsSeal.SEALED, AttributeValue.of("v1.")));
        assertThat(seal.openFrom(mail)).as("truncated").isEmpty();
    }

    @Test
    void aBounceGetsTheCredentialsSealedForItsOwnSender() throws Exception {
        CredentialsSeal seal = CredentialsSeal.fromFile(keyFile("key"));
        Mail mail = from("alice@example.com");
        seal.sealInto(mail, ALICE);
        Mail bounce = FakeMail.builder().name("dsn").recipient("alice@example.com").build();

        seal.extendTo(mail, bounce);

        assertThat(seal.openFrom(bounce)).contains(ALICE);
    }

    @Test
    void theKeyMayBeWrittenAsBase64HexOrRawBytes() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Mail mail = from("alice@example.com");
        CredentialsSeal.fromFile(Files.write(dir.resolve("raw"), key)).sealInto(mail, ALICE);

        assertThat(CredentialsSeal.fromFile(Files.writeString(dir.resolve("hex"), HexFormat.of().formatHex(key))).openFrom(mail)).contains(ALICE);
        assertThat(CredentialsSeal.fromFile(Files.writeString(dir.resolve("b64"), Base64.getEncoder().encodeToString(key))).openFrom(mail))
            .contains(ALICE);
    }

    @Test
    void aFileWithoutAKeyIsRefusedNamingTheFileButNotWhatItHolds() throws Exception {
        Path shortKey = Files.writeString(dir.resolve("short"), Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> CredentialsSeal.fromFile(shortKey)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(shortKey.toString()).hasMessageContaining("no 256-bit key").hasMessageContaining("openssl rand -base64 32")
            .hasMessageNotContaining("c2l4dGVlbi");
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> CredentialsSeal.fromFile(missing)).hasMessageContaining("cannot read the key file " + missing);
        assertThat(CredentialsSeal.fromFile(keyFile("key")).toString()).contains(" from ").doesNotContain("=");
    }
}
