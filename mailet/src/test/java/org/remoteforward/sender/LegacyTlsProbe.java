package org.remoteforward.sender;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.ScriptedServer.TlsOptions;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.TestPki;

/**
 * Runs in a JVM of its own whose security properties allow TLS 1.0 and 1.1 again, as an old or
 * relaxed JVM would: a server that speaks only TLS 1.1, and one delivery to it with the TLS
 * protocols given as the argument ("default" for none). Prints the outcome and the protocol the
 * server saw, so the parent test can tell our default from the JVM's.
 */
public final class LegacyTlsProbe {
    private LegacyTlsProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("legacy-tls");
        TestPki pki = TestPki.create(dir, "legacy-ca");
        List<String> protocols = args[0].equals("default") ? List.of() : List.of(args[0]);
        Script script = Script.of().send("220 mx.test ESMTP").expect("EHLO client.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
        TlsOptions tls = TlsOptions.of(pki.server().serverContext(pki.caCertificate())).withProtocols("TLSv1.1");
        try (ScriptedServer server = ScriptedServer.implicitTls(script, tls);
             DownstreamSender sender = DownstreamSender.create(SettingsBuilder.to(server.tlsUri("127.0.0.1"))
                 .tls(new TlsSettings(List.of(pki.caFile()), Optional.empty(), Optional.empty(), protocols, List.of(), List.of()))
                 .build())) {
            DeliveryResult result = sender.deliver(new Envelope("a@example.com", List.of("b@example.com")), Messages.of(Messages.SIMPLE));
            sender.close();
            RecipientResult b = result.of("b@example.com");
            server.awaitConversations(1);
            System.out.println("outcome=" + b.outcome());
            System.out.println("detail=" + b.detail());
            System.out.println("serverProtocol=" + server.conversations().get(0).tlsProtocol);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
