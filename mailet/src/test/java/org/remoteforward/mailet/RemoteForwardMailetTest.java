package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.sender.Credentials;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

/** Forwarding as James sees it: envelope, bytes, and where each recipient ends. */
class RemoteForwardMailetTest {
    /** Formatting a re-encoding writer would change: folded header, odd spacing, no Date, no Message-ID, a dot line. */
    static final String ORIGINAL = "Subject:   spaced   out\r\n\tand folded\r\nFrom: a@example.com\r\nX-Odd:value-without-space\r\n"
        + "\r\nbody line\r\n.starts with a dot\r\n\r\n";

    @RegisterExtension
    final Started started = new Started();
    @TempDir
    Path dir;
    private MailetHarness harness;
    private ScriptedServer server;

    @BeforeEach
    void harness() throws Exception {
        harness = new MailetHarness(started);
    }

    static Script acceptAll(String mailFrom, String... recipients) {
        Script script = Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 8BITMIME")
            .expect(mailFrom).send("250 ok");
        for (String recipient : recipients) {
            script.expect("RCPT TO:<" + recipient + ">").send("250 ok");
        }
        return script.expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued").expect("QUIT").send("221 bye");
    }

    @Test
    void forwardsTheOriginalBytesAndGhostsTheMail() throws Exception {
        server = started.tcp(acceptAll("MAIL FROM:<a@example.com>", "b@example.com", "c@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes");
        Mail mail = harness.mail(ORIGINAL, "a@example.com", "b@example.com", "c@example.com");

        mailet.service(mail);
        // the delivery was inline; stopping the mailet QUITs the pooled session and ends the conversation
        mailet.destroy();

        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(ORIGINAL);
        assertThat(server.violations()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(mail.getRecipients()).isEmpty();
        assertThat(harness.context.getSentMails()).isEmpty();
        assertThat(harness.queued("remote-forward")).isEmpty();
    }

    @Test
    void eightBitHeaderBytesAreForwardedAsReceived() throws Exception {
        // James's own writeTo would turn each of these bytes into '?'
        String utf8Headers = "From: J\u00f6rg <j@example.org>\r\nSubject: gr\u00fc\u00dfe\r\n\r\nGr\u00fc\u00dfe!\r\n";
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250-8BITMIME", "250 SMTPUTF8")
            .expect("MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes");

        mailet.service(harness.mail(utf8Headers, "a@example.com", "b@example.com"));
        mailet.destroy();

        assertThat(server.violations()).isEmpty();
        assertThat(server.onlyConversation().onlyMessage()).isEqualTo(utf8Headers.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theNullSenderStaysNull() throws Exception {
        server = started.tcp(acceptAll("MAIL FROM:<>", "b@example.com"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes");
        Mail mail = harness.mail(ORIGINAL, null, "b@example.com");

        mailet.service(mail);

        assertThat(server.violations()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void authForwardUsesTheClientsCredentialsFromTheVault() throws Exception {
        String payload = Base64.getEncoder().encodeToString("\0alice@example.com\0alice-pw".getBytes(StandardCharsets.UTF_8));
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 AUTH PLAIN")
            .expect("AUTH PLAIN " + payload).send("235 ok")
            .expect("MAIL FROM:<alice@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "allowPlaintextCredentials", "yes", "auth", "forward",
            "heloName", "relay.test", "inline", "yes");
        Mail mail = harness.mail(ORIGINAL, "alice@example.com", "b@example.com");
        harness.vault.depositFor(mail, new Credentials("alice@example.com", "alice-pw"));

        mailet.service(mail);

        assertThat(server.violations()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(harness.vault.credentialsFor(mail)).as("released once delivered").isEmpty();
        assertThat(mail.attributes()).allSatisfy(a -> assertThat(a.getValue().toString()).doesNotContain("alice-pw"));
    }

    @Test
    void authForwardWithoutCredentialsIsBouncedWithAClearError() throws Exception {
        RemoteForwardMailet mailet = harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "allowPlaintextCredentials", "yes", "auth", "forward",
            "heloName", "relay.test", "inline", "yes");

        mailet.service(harness.mail(ORIGINAL, "a@example.com", "b@example.com"));

        assertThat(harness.dsns()).hasSize(1);
        assertThat(MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg()))
            .contains("Final-Recipient: rfc822; b@example.com")
            .contains("auth forward needs the original client's credentials");
    }

    @Test
    void authForwardWhoseCredentialsDidNotSurviveARestartIsBouncedNotSentUnauthenticated() throws Exception {
        // the port refuses connections: were the mailet to try, the failure would be temporary, not a bounce
        RemoteForwardMailet mailet = harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "allowPlaintextCredentials", "yes", "auth", "forward",
            "heloName", "relay.test", "inline", "yes");
        Mail mail = harness.mail(ORIGINAL, "alice@example.com", "b@example.com");
        // a token from a previous JVM, as a persistent queue hands it back after James restarted
        mail.setAttribute(new Attribute(CredentialsVault.TOKEN, AttributeValue.of("c29tZS1yYW5kb20.4242@other-host")));

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(harness.queued("remote-forward")).isEmpty();
        assertThat(harness.dsns()).hasSize(1);
        assertThat(MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg()))
            .contains("Final-Recipient: rfc822; b@example.com")
            .contains("kept in the memory of the James that received it (4242@other-host)")
            .contains("received by another node, or before James restarted")
            .contains("credentialsKeyFile");
    }

    private static Script authenticatedDelivery(String username, String password) {
        String payload = Base64.getEncoder().encodeToString(("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 AUTH PLAIN")
            .expect("AUTH PLAIN " + payload).send("235 ok")
            .expect("MAIL FROM:<" + username + ">").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye");
    }

    private Path keyFile(String name) throws Exception {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return Files.writeString(dir.resolve(name + ".key"), Base64.getEncoder().encodeToString(key));
    }

    @Test
    void authForwardOpensCredentialsSealedIntoTheMailWithTheSameKeyFile() throws Exception {
        server = started.tcp(authenticatedDelivery("alice@example.com", "alice-pw"));
        Path key = keyFile("shared");
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "allowPlaintextCredentials", "yes", "auth", "forward",
            "heloName", "relay.test", "inline", "yes", "credentialsKeyFile", key.toString());
        Mail mail = harness.mail(ORIGINAL, "alice@example.com", "b@example.com");
        // as ForwardCredentialsHook does on the node that received the mail, with the same key file
        CredentialsSeal.fromFile(key).sealInto(mail, new Credentials("alice@example.com", "alice-pw"));

        mailet.service(mail);
        mailet.destroy();

        assertThat(server.violations()).isEmpty();
        assertThat(server.onlyConversation().messages).hasSize(1);
        assertThat(harness.vault.size()).as("nothing kept in memory").isZero();
    }

    @Test
    void sealedCredentialsTheMailetCannotOpenKeepTheMailWholeAndNameBothKeysById() throws Exception {
        // a key mismatch is the operator's to fix: the mail waits for its retries, then goes whole to the error processor
        Path key = keyFile("hook");
        CredentialsSeal hookSeal = CredentialsSeal.fromFile(key);
        RemoteForwardMailet withoutKey = harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "allowPlaintextCredentials", "yes",
            "auth", "forward", "heloName", "relay.test", "inline", "yes", "outgoingQueue", "no-key");
        Mail mail = harness.mail(ORIGINAL, "alice@example.com", "b@example.com");
        hookSeal.sealInto(mail, new Credentials("alice@example.com", "alice-pw"));
        withoutKey.service(mail);

        Path other = keyFile("other");
        RemoteForwardMailet otherKey = harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "allowPlaintextCredentials", "yes",
            "auth", "forward", "heloName", "relay.test", "inline", "yes", "credentialsKeyFile", other.toString(), "outgoingQueue", "other-key");
        Mail second = harness.mail(ORIGINAL, "alice@example.com", "b@example.com");
        hookSeal.sealInto(second, new Credentials("alice@example.com", "alice-pw"));
        otherKey.service(second);

        assertThat(harness.dsns()).as("no bounce: nothing is wrong with the mail").isEmpty();
        String noKey = failureText(harness.queued("no-key"));
        assertThat(noKey).contains("sealed with key " + hookSeal.keyId()).contains("this mailet has no credentialsKeyFile");
        String wrongKey = failureText(harness.queued("other-key"));
        assertThat(wrongKey).contains("sealed with key " + hookSeal.keyId())
            .contains("credentialsKeyFile " + other + " holds key " + CredentialsSeal.fromFile(other).keyId());
        for (String text : List.of(noKey, wrongKey)) {
            assertThat(text).doesNotContain(Files.readString(key).trim()).doesNotContain(Files.readString(other).trim());
        }

        // no retries left: the whole mail goes to the error processor, not a bounce nobody could send
        RemoteForwardMailet lastTry = harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "allowPlaintextCredentials", "yes",
            "auth", "forward", "heloName", "relay.test", "inline", "yes", "credentialsKeyFile", other.toString(), "maxRetries", "0",
            "outgoingQueue", "last-try");
        Mail third = harness.mail(ORIGINAL, "alice@example.com", "b@example.com");
        hookSeal.sealInto(third, new Credentials("alice@example.com", "alice-pw"));
        lastTry.service(third);
        assertThat(harness.dsns()).isEmpty();
        FakeMailContext.SentMail kept = harness.context.getSentMails().stream().filter(sent -> "error".equals(sent.getState()))
            .findFirst().orElseThrow();
        assertThat(kept.getRecipients()).extracting(MailAddress::asString).containsExactly("b@example.com");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        kept.getMsg().writeTo(bytes);
        assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).as("the whole message").endsWith(ORIGINAL);
        assertThat(kept.getAttributes()).containsKey(CredentialsSeal.SEALED);
    }

    private static String failureText(List<Mail> waiting) {
        assertThat(waiting).as("the mail waits for its next attempt").hasSize(1);
        return waiting.get(0).getAttribute(FailureAttributes.FAILURES).orElseThrow().getValue().value().toString();
    }

    @Test
    void aKeyFileWithoutAKeyFailsInitNamingTheParameter() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.key"));
        assertThatThrownBy(() -> harness.start("targets", "tcp://127.0.0.1:1", "auth", "forward", "credentialsKeyFile", empty.toString()))
            .hasMessageContaining("credentialsKeyFile").hasMessageContaining("holds no 256-bit key");
    }

    @Test
    void whenJamesRefusesTheBounceTheMailKeepsOnlyItsFailedRecipients() throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<ok@example.com>").send("250 ok")
            .expect("RCPT TO:<bad@example.com>").send("550 5.1.1 unknown")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok")
            .expect("QUIT").send("221 bye"));
        MailetContext refusing = (MailetContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {MailetContext.class},
            (proxy, method, args) -> {
                if (method.getName().equals("sendMail")) {
                    throw new MessagingException("spool full");
                }
                return method.invoke(harness.context, args);
            });
        RemoteForwardMailet mailet = harness.start(refusing, "targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "inline", "yes");
        Mail mail = harness.mail(ORIGINAL, "a@example.com", "ok@example.com", "bad@example.com");

        // James then handles the mail as for any mailet exception (onMailetException, by default the error processor)
        assertThatThrownBy(() -> mailet.service(mail)).isInstanceOf(MessagingException.class).hasMessageContaining("spool full");
        assertThat(mail.getRecipients()).containsExactly(new MailAddress("bad@example.com"));
    }

    @Test
    void initFailsNamingTheParameter() {
        assertThatThrownBy(() -> harness.start("protocol", "smtp"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("forward targets: required");
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "connect_timeout", "soon"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("connect_timeout: 'soon' is not a duration");
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "gatewayPort", "25"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("gatewayPort: unknown parameter");
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "delayTime", "5m, x*1h"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("delayTime: 'x*1h' must repeat a delay");
    }

    @Test
    void initFailsNamingTheTlsParameterWhosePemCannotBeRead() {
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "tlsRootCa", dir.resolve("absent.pem").toString()))
            .isInstanceOf(MessagingException.class).hasMessageContaining("tlsRootCa: cannot read").hasMessageContaining("absent.pem");
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "tlsCiphers", "NOPE"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("tlsCiphers: 'NOPE' is not a cipher suite");
    }

    @Test
    void aMailWithoutRecipientsIsGhosted() throws Exception {
        RemoteForwardMailet mailet = harness.start("targets", "tcp://127.0.0.1:1", "heloName", "relay.test");
        Mail mail = harness.mail(ORIGINAL, "a@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(harness.context.getSentMails()).isEmpty();
        assertThat(harness.queued("remote-forward")).isEmpty();
    }

    @Test
    void parametersOfTheQueueAreChecked() throws Exception {
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "deliveryThreads", "0"))
            .hasMessageContaining("deliveryThreads: '0' is not a whole number from 1 to 1000");
        assertThatThrownBy(() -> harness.start("targets", "tcp://mx:25", "outgoingQueue", "bad name"))
            .hasMessageContaining("outgoingQueue: 'bad name' is not a queue name");
    }
}
