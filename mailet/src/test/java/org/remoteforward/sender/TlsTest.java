package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.ScriptedServer.TlsOptions;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.TestPki;
import org.remoteforward.testing.Started;

class TlsTest {
    @RegisterExtension
    final Started started = new Started();
    @TempDir
    static Path pkiDir;
    private static TestPki pki;
    private static TestPki.Issued serverCert;
    private static TestPki otherCa;

    private ScriptedServer server;
    private DownstreamSender sender;

    @BeforeAll
    static void issue() throws Exception {
        pki = TestPki.create(pkiDir, "test-ca");
        serverCert = pki.server();
        otherCa = TestPki.create(pkiDir, "other-ca");
    }

    private static TlsSettings trusting(Path ca) {
        return new TlsSettings(List.of(ca), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of());
    }

    private static Script starttlsThenDeliver() {
        return Script.of().send("220 mx.test ESMTP")
            .expect("EHLO localhost").send("250-mx.test", "250-STARTTLS", "250 8BITMIME")
            .expect("STARTTLS").send("220 2.0.0 ready").startTls()
            .expect("EHLO client.test").send("250-mx.test", "250 8BITMIME")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    private DeliveryResult deliver(SettingsBuilder settings) throws Exception {
        sender = started.sender(settings);
        try {
            return sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));
        } finally {
            // the pooled session QUITs, so its conversation is over when a test reads it
            sender.close();
        }
    }

    @Test
    void severalRootCaFilesAreAllTrusted() throws Exception {
        // the server's authority is the second of the two files, as maddy's root_ca a.pem b.pem
        server = started.tcp(starttlsThenDeliver(), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        TlsSettings both = new TlsSettings(List.of(otherCa.caFile(), pki.caFile()), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of());
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(both));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void starttlsSaysEhloLocalhostFirstAndTheRealNameAfterTheHandshake() throws Exception {
        server = started.tcp(starttlsThenDeliver(), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(trusting(pki.caFile())));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
        assertThat(server.onlyConversation().tlsProtocol).isIn("TLSv1.2", "TLSv1.3");
    }

    @Test
    void verifiesTheHostNameAgainstTheCertificate() throws Exception {
        server = started.tcp(starttlsThenDeliver(), TlsOptions.of(pki.server("mx.elsewhere.test").serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(trusting(pki.caFile())));

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.detail()).contains(server.tcpUri()).contains("TLS failed").contains("127.0.0.1");
        assertThat(server.onlyConversation().commands).doesNotContain("MAIL FROM:<a@example.com>");
    }

    @Test
    void refusesACertificateFromAnUntrustedAuthority() throws Exception {
        server = started.tcp(starttlsThenDeliver(), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(trusting(otherCa.caFile())));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("TLS failed");
        assertThat(server.onlyConversation().commands).containsExactly("EHLO localhost", "STARTTLS");
    }

    @Test
    void jvmTrustStoreIsTheDefaultAndDoesNotTrustATestCa() throws Exception {
        server = started.tcp(starttlsThenDeliver(), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls());

        assertThat(result.of("b@example.com").detail()).contains("TLS failed");
    }

    @Test
    void noPlaintextFallbackWhenStarttlsIsNotAdvertised() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO localhost").send("250-mx.test", "250 8BITMIME")
            .expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(trusting(pki.caFile())));

        assertThat(result.of("b@example.com").outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(result.of("b@example.com").detail()).contains("does not advertise STARTTLS");
        assertThat(server.onlyConversation().commands).containsExactly("EHLO localhost", "QUIT");
    }

    @Test
    void refusedStarttlsIsAFailureNotAFallback() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO localhost").send("250-mx.test", "250 STARTTLS")
            .expect("STARTTLS").send("454 4.7.0 TLS not available").expect("QUIT").send("221 bye"));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(trusting(pki.caFile())));

        assertThat(result.of("b@example.com").detail()).contains("refused STARTTLS with 454");
        assertThat(server.onlyConversation().commands).doesNotContain("MAIL FROM:<a@example.com>");
    }

    @Test
    void dataSentAfterTheStarttlsReplyIsRefused() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO localhost").send("250-mx.test", "250 STARTTLS")
            .expect("STARTTLS").send("220 ready", "250 injected").stall(), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(trusting(pki.caFile())));

        assertThat(result.of("b@example.com").detail()).contains("sent data after its STARTTLS reply");
    }

    @Test
    void implicitTlsEndpoint() throws Exception {
        server = started.implicitTls(Script.of().send("220 mx.test")
            .expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tlsUri("localhost")).starttls().tls(trusting(pki.caFile())));

        assertThat(result.failed()).isEmpty();
        assertThat(server.violations()).isEmpty();
        assertThat(server.onlyConversation().tlsProtocol).isNotNull();
    }

    @Test
    void implicitTlsVerifiesTheCertificateToo() throws Exception {
        server = started.implicitTls(Script.of().send("220 mx.test"), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        DeliveryResult result = deliver(SettingsBuilder.to(server.tlsUri("localhost")).tls(trusting(otherCa.caFile())));

        assertThat(result.of("b@example.com").detail()).contains("TLS failed");
    }

    @Test
    void presentsAClientCertificateForEachKeyForm() throws Exception {
        TestPki.Issued rsa = pki.clientRsa("relay-rsa");
        TestPki.Issued ec = pki.clientEc("relay-ec");
        for (Path[] pair : new Path[][] {
            {rsa.certificateFile(), rsa.pkcs8KeyFile()},
            {rsa.certificateFile(), rsa.traditionalKeyFile()},
            {ec.certificateFile(), ec.pkcs8KeyFile()},
            {ec.certificateFile(), ec.traditionalKeyFile()}}) {
            String header = Files.readString(pair[1]).lines().findFirst().orElseThrow();
            try (ScriptedServer tlsServer = ScriptedServer.implicitTls(Script.of().send("220 mx.test")
                    .expect("EHLO client.test").send("250-mx.test", "250 AUTH EXTERNAL")
                    .expect("AUTH EXTERNAL =").send("235 2.7.0 authenticated")
                    .expect("MAIL FROM:<a@example.com>").send("250 ok")
                    .expect("RCPT TO:<b@example.com>").send("250 ok")
                    .expect("DATA").send("354 go")
                    .receiveMessage().send("250 ok")
                    .expect("QUIT").send("221 bye"),
                TlsOptions.of(serverCert.serverContext(pki.caCertificate())).requiringClientCertificate());
                 DownstreamSender externalSender = DownstreamSender.create(SettingsBuilder.to(tlsServer.tlsUri("localhost"))
                     .tls(new TlsSettings(List.of(pki.caFile()), Optional.of(pair[0]), Optional.of(pair[1]), List.of(), List.of(), List.of()))
                     .auth(AuthMode.EXTERNAL).build())) {
                DeliveryResult result = externalSender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));
                externalSender.close();

                assertThat(result.failed()).as(header).isEmpty();
                assertThat(tlsServer.onlyConversation().tlsPeer).as(header).startsWith("CN=relay-");
                assertThat(tlsServer.violations()).as(header).isEmpty();
            }
        }
    }

    @Test
    void protocolVersionsAreHonoured() throws Exception {
        server = started.tcp(starttlsThenDeliver(),
            TlsOptions.of(serverCert.serverContext(pki.caCertificate())).withProtocols("TLSv1.2"));
        DeliveryResult refused = deliver(SettingsBuilder.to(server.tcpUri()).starttls()
            .tls(new TlsSettings(List.of(pki.caFile()), Optional.empty(), Optional.empty(), List.of("tls1.3"), List.of(), List.of())));
        assertThat(refused.of("b@example.com").detail()).contains("TLS failed");

        DeliveryResult accepted = deliver(SettingsBuilder.to(server.tcpUri()).starttls()
            .tls(new TlsSettings(List.of(pki.caFile()), Optional.empty(), Optional.empty(), List.of("tls1.2", "tls1.3"), List.of(), List.of())));
        assertThat(accepted.failed()).isEmpty();
        assertThat(server.awaitConversations(2).get(1).tlsProtocol).isEqualTo("TLSv1.2");
    }

    @Test
    void cipherSuitesAreHonoured() throws Exception {
        server = started.tcp(starttlsThenDeliver(),
            TlsOptions.of(serverCert.serverContext(pki.caCertificate())).withProtocols("TLSv1.2"));
        DeliveryResult refused = deliver(SettingsBuilder.to(server.tcpUri()).starttls()
            .tls(new TlsSettings(List.of(pki.caFile()), Optional.empty(), Optional.empty(), List.of(), List.of("TLS_AES_128_GCM_SHA256"), List.of())));
        assertThat(refused.of("b@example.com").detail()).contains("TLS failed");

        DeliveryResult accepted = deliver(SettingsBuilder.to(server.tcpUri()).starttls()
            .tls(new TlsSettings(List.of(pki.caFile()), Optional.empty(), Optional.empty(), List.of(), List.of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), List.of())));
        assertThat(accepted.failed()).isEmpty();
    }

    @Test
    void namedGroupsAreHonouredWhereTheJvmAllowsIt() throws Exception {
        TlsSettings x25519 = new TlsSettings(List.of(pki.caFile()), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of("X25519", "p256"));
        if (!TlsClient.canChooseNamedGroups()) {
            assertThatThrownBy(() -> TlsClient.create(x25519))
                .isInstanceOf(InvalidTlsSettingException.class)
                .hasMessageContaining("Java 20")
                .hasMessageContaining("-Djdk.tls.namedGroups=x25519,secp256r1");
            return;
        }
        server = started.tcp(starttlsThenDeliver(), TlsOptions.of(serverCert.serverContext(pki.caCertificate())));
        assertThat(deliver(SettingsBuilder.to(server.tcpUri()).starttls().tls(x25519)).failed()).isEmpty();
    }

    @Test
    void badTlsSettingsNameTheSettingAtFault() throws Exception {
        Path garbage = Files.writeString(pkiDir.resolve("garbage.pem"), "not a pem");
        assertSetting(new TlsSettings(List.of(pkiDir.resolve("missing.pem")), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of()),
            TlsSettings.Setting.ROOT_CA, "missing.pem");
        assertSetting(new TlsSettings(List.of(garbage), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of()),
            TlsSettings.Setting.ROOT_CA, "garbage.pem");
        TestPki.Issued client = pki.clientRsa("bad-settings");
        assertSetting(new TlsSettings(List.of(), Optional.of(client.certificateFile()), Optional.empty(), List.of(), List.of(), List.of()),
            TlsSettings.Setting.KEY, "both");
        assertSetting(new TlsSettings(List.of(), Optional.of(client.certificateFile()), Optional.of(garbage), List.of(), List.of(), List.of()),
            TlsSettings.Setting.KEY, "no PEM private key");
        assertSetting(new TlsSettings(List.of(), Optional.of(client.certificateFile()), Optional.of(pki.clientEc("ec-key").pkcs8KeyFile()), List.of(), List.of(), List.of()),
            TlsSettings.Setting.KEY, "EC key");
        assertSetting(new TlsSettings(List.of(), Optional.empty(), Optional.empty(), List.of("tls9"), List.of(), List.of()),
            TlsSettings.Setting.PROTOCOLS, "tls9");
        assertSetting(new TlsSettings(List.of(), Optional.empty(), Optional.empty(), List.of("tls1.3", "tls1.2"), List.of(), List.of()),
            TlsSettings.Setting.PROTOCOLS, "above maximum");
        assertSetting(new TlsSettings(List.of(), Optional.empty(), Optional.empty(), List.of(), List.of("TLS_NOT_A_CIPHER"), List.of()),
            TlsSettings.Setting.CIPHERS, "TLS_NOT_A_CIPHER");
        assertSetting(new TlsSettings(List.of(), Optional.empty(), Optional.empty(), List.of(), List.of(), List.of("p999")),
            TlsSettings.Setting.CURVES, "p999");
    }

    private static void assertSetting(TlsSettings settings, TlsSettings.Setting setting, String text) {
        assertThatThrownBy(() -> TlsClient.create(settings))
            .isInstanceOfSatisfying(InvalidTlsSettingException.class, e -> assertThat(e.setting()).isEqualTo(setting))
            .hasMessageContaining(text);
    }
}
