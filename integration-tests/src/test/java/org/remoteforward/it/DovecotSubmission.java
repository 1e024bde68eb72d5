package org.remoteforward.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A private Dovecot submission service: implicit TLS on a free loopback port, a client
 * certificate required and verified against a CA, SASL EXTERNAL (the user is the certificate's
 * common name), and every accepted message relayed to {@code relayPort} on 127.0.0.1.
 */
final class DovecotSubmission implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;

    private DovecotSubmission(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    static DovecotSubmission start(Path dir, Path ca, Path serverCertificate, Path serverKey, int relayPort) throws Exception {
        Daemons.openFolder(dir, "rwxr-xr-x");
        Daemons.openFolder(dir.resolve("home"), "rwxrwxrwx");
        Path tls = Daemons.openFolder(dir.resolve("tls"), "rwxr-xr-x");
        Files.copy(ca, tls.resolve("ca.pem"));
        Files.copy(serverCertificate, tls.resolve("cert.pem"));
        Files.setPosixFilePermissions(Files.copy(serverKey, tls.resolve("key.pem")), PosixFilePermissions.fromString("rw-r--r--"));
        int port = Daemons.freePort();
        Process process = Daemons.dovecot(dir, port, List.of(
            "protocols = submission",
            "hostname = submission.test",
            "ssl = required",
            "ssl_cert = <" + tls.resolve("cert.pem"),
            "ssl_key = <" + tls.resolve("key.pem"),
            "ssl_ca = <" + tls.resolve("ca.pem"),
            "ssl_verify_client_cert = yes",
            // a private test CA publishes no CRL
            "ssl_require_crl = no",
            "auth_ssl_require_client_cert = yes",
            "auth_ssl_username_from_cert = yes",
            "ssl_cert_username_field = commonName",
            "auth_mechanisms = external",
            "mail_location = maildir:" + dir.resolve("home") + "/%u/Maildir",
            "passdb {", "  driver = static", "  args = nopassword=y", "}",
            "userdb {", "  driver = static", "  args = uid=65534 gid=65534 home=" + dir.resolve("home") + "/%u", "}",
            "submission_relay_host = 127.0.0.1",
            "submission_relay_port = " + relayPort,
            "submission_relay_trusted = yes",
            "service submission-login {",
            "  inet_listener submission {", "    port = 0", "  }",
            "  inet_listener submissions {", "    address = 127.0.0.1", "    port = " + port, "    ssl = yes", "  }",
            "}"));
        return new DovecotSubmission(process, dir, port);
    }

    int port() {
        return port;
    }

    String log() throws Exception {
        return Files.readString(dir.resolve("dovecot.log"));
    }

    @Override
    public void close() throws Exception {
        Daemons.stop(process);
    }
}
