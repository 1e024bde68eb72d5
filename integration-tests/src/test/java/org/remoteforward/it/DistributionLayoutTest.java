package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's path, end to end: James 3.8.1's memory distribution as Maven Central ships it,
 * with James's own sample configuration, our jar alone in {@code extensions-jars/}, and only what
 * README tells an operator to edit (ports moved to free loopback ones, the servers this test does
 * not use turned off). Then, against real Postfix: a mail forwarded by the mailet byte for byte
 * after James's Received header, once WebAdmin has listed and flushed the queue it waited in;
 * {@code /remote-forward/health} and {@code /metrics}; the synchronous chain on the submission
 * server; {@code auth forward} for a client that authenticated, to a Postfix that takes only
 * authenticated mail.
 */
class DistributionLayoutTest {
    private static final String ALICE = Dovecot.ALICE;
    private static final String MESSAGE = "From: sender@example.org\r\nTo: " + ALICE + "\r\nSubject: from the stock distribution\r\n"
        + "X-Odd:value-without-space\r\n\r\nHello from a James an operator installed.\r\n";

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("distribution-ca");

    @TempDir
    Path dir;


    /** The edits README and conf-samples tell an operator to make, on James's sample configuration. */
    private static void configure(Path home, int smtp, int submission, int webAdmin, int jmx, int plainPostfix, int authPostfix)
        throws Exception {
        // mailetcontainer.xml: mail from authenticated clients is forwarded as them, the rest as it is
        StockJames.edit(home, "mailetcontainer.xml", "<mailet match=\"All\" class=\"PostmasterAlias\"/>",
            "<mailet match=\"SMTPAuthSuccessful\" class=\"ToProcessor\"><processor>forward-as-client</processor></mailet>\n"
                + "            <mailet match=\"All\" class=\"ToProcessor\"><processor>forward</processor></mailet>\n"
                + "            <mailet match=\"All\" class=\"PostmasterAlias\"/>");
        StockJames.edit(home, "mailetcontainer.xml", "</processors>",
            "<processor state=\"forward\" enableJmx=\"true\">\n"
                + "  <mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">\n"
                + "    <targets>tcp://127.0.0.1:" + plainPostfix + "</targets><starttls>no</starttls><heloName>relay.test</heloName>\n"
                + "    <delayTime>1h</delayTime><connectTimeout>5s</connectTimeout>\n"
                + "  </mailet>\n"
                + "</processor>\n"
                + "<processor state=\"forward-as-client\" enableJmx=\"true\">\n"
                + "  <mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">\n"
                + "    <targets>tcp://localhost:" + authPostfix + "</targets><tlsRootCa>" + PKI.ca().caFile() + "</tlsRootCa>\n"
                + "    <auth>forward</auth><heloName>relay.test</heloName><outgoingQueue>remote-forward-as-client</outgoingQueue>\n"
                + "  </mailet>\n"
                + "</processor>\n"
                + "</processors>");
        // smtpserver.xml: port 25's server on a free port, offering AUTH, with the hook auth forward needs
        StockJames.edit(home, "smtpserver.xml", "<bind>0.0.0.0:25</bind>", "<bind>127.0.0.1:" + smtp + "</bind>");
        StockJames.edit(home, "smtpserver.xml", "<announce>never</announce>", "<announce>always</announce>");
        StockJames.edit(home, "smtpserver.xml", "        <handlerchain>\n            <handler class=\"org.apache.james.smtpserver.fastfail.ValidRcptHandler\"/>\n"
                + "            <handler class=\"org.apache.james.smtpserver.CoreCmdHandlerLoader\"/>\n        </handlerchain>\n    </smtpserver>\n"
                + "    <smtpserver enabled=\"true\">\n        <jmxName>smtpserver-TLS</jmxName>",
            "        <handlerchain>\n            <handler class=\"org.remoteforward.smtp.ForwardCredentialsHook\"/>\n"
                + "            <handler class=\"org.apache.james.smtpserver.fastfail.ValidRcptHandler\"/>\n"
                + "            <handler class=\"org.apache.james.smtpserver.CoreCmdHandlerLoader\"/>\n        </handlerchain>\n    </smtpserver>\n"
                + "    <smtpserver enabled=\"false\">\n        <jmxName>smtpserver-TLS</jmxName>");
        // the submission server, without TLS (no keystore here), forwarding during the transaction
        StockJames.edit(home, "smtpserver.xml", "<bind>0.0.0.0:587</bind>", "<bind>127.0.0.1:" + submission + "</bind>");
        StockJames.edit(home, "smtpserver.xml", "<tls socketTLS=\"false\" startTLS=\"true\">", "<tls socketTLS=\"false\" startTLS=\"false\">");
        String stockChain = "        <handlerchain>\n            <handler class=\"org.apache.james.smtpserver.fastfail.ValidRcptHandler\"/>\n"
            + "            <handler class=\"org.apache.james.smtpserver.CoreCmdHandlerLoader\"/>\n        </handlerchain>";
        StockJames.edit(home, "smtpserver.xml", stockChain, "        <handlerchain>\n"
            + "            <handler class=\"org.remoteforward.smtp.ForwardingMessageHook\"/>\n"
            + "            <handler class=\"org.remoteforward.smtp.ForwardingRcptHook\">\n"
            + "                <targets>tcp://127.0.0.1:" + plainPostfix + "</targets><starttls>no</starttls><heloName>relay.test</heloName>\n"
            + "            </handler>\n"
            + "            <handler class=\"org.apache.james.smtpserver.fastfail.ValidRcptHandler\"/>\n"
            + "            <handler class=\"org.apache.james.smtpserver.CoreCmdHandlerLoader\"/>\n        </handlerchain>");
        // what this test does not use, off; what it uses, on free loopback ports
        StockJames.edit(home, "imapserver.xml", "<imapserver enabled=\"true\">", "<imapserver enabled=\"false\">");
        StockJames.edit(home, "jmap.properties", "enabled=true", "enabled=false");
        StockJames.edit(home, "jmx.properties", "jmx.port=9999", "jmx.port=" + jmx);
        Files.writeString(home.resolve("conf/webadmin.properties"), "enabled=true\nport=" + webAdmin + "\nhost=127.0.0.1\nhttps.enabled=false\n"
            + "extensions.routes=org.apache.james.webadmin.dropwizard.MetricsRoutes,org.remoteforward.webadmin.RemoteForwardHealthRoutes\n");
        // README: James's root WARN hides our INFO lines; this includes the fragment that shows them
        Files.copy(Path.of("..", "conf-samples", "logback-remote-forward.xml"), home.resolve("conf/logback-remote-forward.xml"));
        StockJames.edit(home, "logback.xml", "</configuration>", "<include file=\"conf/logback-remote-forward.xml\"/>\n</configuration>");
    }

    @Test
    void theStockDistributionWithOurJarInExtensionsJarsForwardsAsReadmeSays() throws Exception {
        int plainPort = Daemons.freePort();
        int smtp = Daemons.freePort();
        int submission = Daemons.freePort();
        int webAdmin = Daemons.freePort();
        int jmx = Daemons.freePort();
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix authenticating = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix-auth"))) {
            Path home = StockJames.assemble(dir.resolve("james"));
            configure(home, smtp, submission, webAdmin, jmx, plainPort, authenticating.smtpPort());
            WebAdmin admin = new WebAdmin(webAdmin);
            try (StockJames james = StockJames.start(home, webAdmin, smtp, submission)) {
                // an operator's first steps: the domain and the user who submits as herself
                assertThat(admin.call("PUT", "/domains/example.com", null).statusCode()).as(james.log()).isEqualTo(204);
                assertThat(admin.call("PUT", "/users/" + ALICE, "{\"password\":\"" + Dovecot.ALICE_PASSWORD + "\"}").statusCode())
                    .isEqualTo(204);

                // the mailet: the plain Postfix is not up yet, so the mail waits in the queue
                SmtpClient.send(smtp, "sender@example.org", List.of(ALICE), MESSAGE.getBytes(StandardCharsets.UTF_8));
                // waiting for its retry, not in its first attempt: then the listing shows it
                Daemons.await(() -> admin.get("/mailQueues/remote-forward/mails").body().contains(ALICE));
                for (int i = 0; i < 3; i++) {
                    assertThat(admin.get("/mailQueues/remote-forward/mails").body()).contains(ALICE);
                }
                assertThat(admin.get("/mailQueues/remote-forward").body()).as(james.log()).contains("\"size\":1");
                assertThat(admin.get("/remote-forward/health").statusCode()).isEqualTo(503);

                try (Postfix plain = Postfix.setup().port(plainPort).start(dir.resolve("postfix"))) {
                    assertThat(admin.call("PATCH", "/mailQueues/remote-forward/mails?delayed=true", "{\"delayed\": false}").statusCode())
                        .isEqualTo(204);
                    String landed = Files.readString(plain.awaitMessages(1).get(0), StandardCharsets.UTF_8);
                    // byte for byte after James's Received header (the maildir stores LF line ends)
                    assertThat(landed).as(james.log()).endsWith(MESSAGE.replace("\r\n", "\n")).contains("by mx.test (Postfix)");
                    Daemons.await(() -> admin.get("/remote-forward/health").statusCode() == 200);
                    assertThat(admin.get("/remote-forward/health").body()).contains("\"status\":\"healthy\"");
                    assertThat(admin.get("/metrics").body()).contains("remote_forward_delivered");
                    assertThat(james.log()).as("our INFO lines, shown by the logback fragment")
                        .contains("forwards over SMTP to [tcp://127.0.0.1:" + plainPort + "]");

                    // the synchronous chain on the submission server: the client hears Postfix's own reply
                    try (SmtpClient client = SmtpClient.connect(submission)) {
                        client.command("EHLO client.example");
                        assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
                        assertThat(client.command("RCPT TO:<" + ALICE + ">")).startsWith("250");
                        assertThat(client.command("DATA")).startsWith("354");
                        assertThat(client.message(MESSAGE.getBytes(StandardCharsets.UTF_8))).contains("queued as");
                    }
                    assertThat(plain.awaitMessages(2)).hasSize(2);
                    assertThat(admin.get("/metrics").body()).contains("remote_forward_synchronous_delivered");
                }

                // auth forward: alice submits as herself, and Postfix takes the mail only authenticated as her
                SmtpClient.send(smtp, ALICE, Dovecot.ALICE_PASSWORD, ALICE, List.of(ALICE), MESSAGE.getBytes(StandardCharsets.UTF_8), "");
                String asAlice = Files.readString(authenticating.awaitMessages(1).get(0), StandardCharsets.UTF_8);
                assertThat(asAlice).as(james.log()).contains("(Authenticated sender: " + ALICE + ")")
                    .endsWith(MESSAGE.replace("\r\n", "\n"));
            }
        }
    }
}
