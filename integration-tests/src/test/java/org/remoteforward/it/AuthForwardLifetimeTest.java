package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long the credentials of {@code auth forward} live, in a real James forwarding to a real
 * Postfix that authenticates through Dovecot: as long as some part of the mail may still be sent
 * with them (every part James split off, the bounce to the sender), and no longer than their
 * retention when the mail never reaches the mailet at all.
 */
class AuthForwardLifetimeTest {
    private static final String MESSAGE = "From: alice@example.com\r\nTo: one@example.com\r\nSubject: auth forward\r\n\r\nHello.\r\n";

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("vault-ca");

    @TempDir
    Path dir;

    @BeforeEach
    void clear() {
        CollectingMailet.clear();
        TokenRecorder.TOKENS.clear();
    }

    private static Map<String, String> authForward(int postfixPort) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("targets", "tcp://localhost:" + postfixPort);
        parameters.put("starttls", "yes");
        parameters.put("tlsRootCa", PKI.ca().caFile().toString());
        parameters.put("auth", "forward");
        parameters.put("heloName", "relay.test");
        return parameters;
    }

    private Postfix authenticatingPostfix(Dovecot dovecot, String name, Postfix.Setup setup) throws Exception {
        return setup.tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile()).requireAuthVia(dovecot.authSocket())
            .start(dir.resolve(name));
    }

    @Test
    void aBounceInAuthForwardModeGoesToTheSenderAuthenticatedAsTheSender() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = authenticatingPostfix(dovecot, "postfix",
                 Postfix.setup().refuseRecipient("nobody@example.com", "550 5.1.1 no such mailbox here"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(authForward(postfix.smtpPort()),
                 CollectingMailet.XML).withUsers(Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD)))) {
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE,
                List.of("one@example.com", "nobody@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8), "");

            List<Path> landed = postfix.awaitMessages(2);
            String bounce = landed.stream().map(AuthForwardLifetimeTest::read).filter(m -> m.contains("multipart/report"))
                .findFirst().orElseThrow(() -> new AssertionError("no bounce among " + landed));
            assertThat(bounce).startsWith("Return-Path: <>").contains("Delivered-To: " + Dovecot.ALICE)
                .contains("(Authenticated sender: " + Dovecot.ALICE + ")")
                .contains("Final-Recipient: rfc822; nobody@example.com").contains("Status: 5.1.1").contains("no such mailbox here");
            assertThat(CollectingMailet.collected()).as("nothing in the error processor").isEmpty();
        }
    }

    @Test
    void everyPartOfAMailJamesSplitCanStillBeSentWithItsCredentials() throws Exception {
        int laterPort = Daemons.freePort();
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = authenticatingPostfix(dovecot, "postfix", Postfix.setup())) {
            int smtpPort = Daemons.freePort();
            Path conf = JamesConfFolder.write(dir.resolve("template"), smtpPort, authForward(postfix.smtpPort()), CollectingMailet.XML);
            // one@ goes straight to "forward"; James splits the mail, and two@ goes on to "later", whose downstream is not up yet
            Map<String, String> later = authForward(laterPort);
            later.put("outgoingQueue", "later");
            later.put("delayTime", "1s");
            later.put("maxRetries", "30");
            String laterParameters = later.entrySet().stream().map(e -> "        <" + e.getKey() + ">" + e.getValue() + "</" + e.getKey() + ">")
                .collect(Collectors.joining("\n"));
            Path mailetcontainer = conf.resolve("mailetcontainer.xml");
            Files.writeString(mailetcontainer, Files.readString(mailetcontainer)
                .replace("      <mailet match=\"All\" class=\"ToProcessor\"><processor>forward</processor></mailet>",
                    "      <mailet match=\"RecipientIs=one@example.com\" class=\"ToProcessor\"><processor>forward</processor></mailet>\n"
                        + "      <mailet match=\"All\" class=\"ToProcessor\"><processor>later</processor></mailet>")
                .replace("    <!-- Failed recipients arrive here",
                    "    <processor state=\"later\" enableJmx=\"false\">\n"
                        + "      <mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">\n" + laterParameters + "\n"
                        + "      </mailet>\n    </processor>\n    <!-- Failed recipients arrive here"));
            try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, smtpPort)
                .withUsers(Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD)))) {
                SmtpClient.send(smtpPort, Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE,
                    List.of("one@example.com", "two@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8), "");
                assertThat(read(postfix.awaitMessages(1).get(0))).as("the first part, done")
                    .contains("Delivered-To: one@example.com").contains("(Authenticated sender: " + Dovecot.ALICE + ")");

                try (Postfix laterDownstream = authenticatingPostfix(dovecot, "later", Postfix.setup().port(laterPort))) {
                    List<Path> landed = laterDownstream.awaitMessages(1);
                    assertThat(landed).as("the second part, on a retry after the first was done").hasSize(1);
                    assertThat(read(landed.get(0))).contains("Delivered-To: two@example.com")
                        .contains("(Authenticated sender: " + Dovecot.ALICE + ")");
                }
                assertThat(CollectingMailet.collected()).as("nothing in the error processor").isEmpty();
            }
        }
    }

    @Test
    void theCredentialsOfMailThatNeverReachesTheMailetAreGoneAfterTheirRetention() throws Exception {
        int smtpPort = Daemons.freePort();
        Map<String, String> forward = new LinkedHashMap<>(Map.of("targets", "tcp://127.0.0.1:" + Daemons.freePort(), "starttls", "no",
            "allowPlaintextCredentials", "yes", "auth", "forward", "credentialsRetention", "2s"));
        Path conf = JamesConfFolder.write(dir.resolve("template"), smtpPort, forward, CollectingMailet.XML);
        // every mail is dropped at once (delivered locally, filtered, routed elsewhere: none of them ever reaches the mailet)
        Path mailetcontainer = conf.resolve("mailetcontainer.xml");
        Files.writeString(mailetcontainer, Files.readString(mailetcontainer).replace(
            "      <mailet match=\"All\" class=\"ToProcessor\"><processor>forward</processor></mailet>",
            "      <mailet match=\"All\" class=\"" + TokenRecorder.class.getName() + "\"/>\n      <mailet match=\"All\" class=\"Null\"/>"));
        Map<String, String> users = new LinkedHashMap<>();
        for (int i = 1; i <= 5; i++) {
            users.put("user" + i + "@example.com", "secret-" + i);
        }
        try (ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.ofConf(conf, smtpPort).withUsers(users)
            .in(dir.resolve("james"), VaultProbe.MODULE))) {
            for (Map.Entry<String, String> user : users.entrySet()) {
                SmtpClient.send(smtpPort, user.getKey(), user.getValue(), user.getKey(), List.of("someone@example.com"),
                    MESSAGE.getBytes(StandardCharsets.UTF_8), "");
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (TokenRecorder.TOKENS.size() < 5 && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(TokenRecorder.TOKENS).hasSize(5);
            VaultProbe vault = james.probe(VaultProbe.class);

            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (TokenRecorder.TOKENS.stream().anyMatch(token -> holds(vault, token)) && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(TokenRecorder.TOKENS).as("passwords still in memory").noneMatch(token -> holds(vault, token));
        }
    }

    private static boolean holds(VaultProbe vault, String token) {
        try {
            return vault.holds(token);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
