package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.sender.Credentials;
import org.remoteforward.testing.LoopbackPorts;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

class RemoteForwardMailetTest {
    @RegisterExtension
    final Started started = new Started();
    /** Formatting a re-encoding writer would change: folded header, odd spacing, no Date, no Message-ID, a dot line. */
    private static final String ORIGINAL = "Subject:   spaced   out\r\n\tand folded\r\nFrom: a@example.com\r\nX-Odd:value-without-space\r\n"
        + "\r\nbody line\r\n.starts with a dot\r\n\r\n";

    @TempDir
    Path dir;
    private ScriptedServer server;
    private RemoteForwardMailet mailet;
    private final FakeMailContext context = FakeMailContext.defaultContext();

    private Mail mail(String sender, String... recipients) throws Exception {
        return mailOf(ORIGINAL, sender, recipients);
    }

    private Mail mailOf(String original, String sender, String... recipients) throws Exception {
        MimeMessageWrapper message = new MimeMessageWrapper(MimeMessageInputStreamSource.create("test-source",
            new ByteArrayInputStream(original.getBytes(StandardCharsets.UTF_8))));
        MailImpl.Builder builder = MailImpl.builder().name("mail-1");
        builder = sender == null ? builder.sender(MaybeSender.nullSender()) : builder.sender(sender);
        // as James's SMTP server does: the message over its source, not a copy (James's copies re-serialise headers)
        MailImpl mail = builder.addRecipients(recipients).build();
        mail.setMessageNoCopy(message);
        started.keep(() -> LifecycleUtil.dispose(mail));
        return mail;
    }

    private void start(MailetContext mailetContext, String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("forward").mailetContext(mailetContext);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet = new RemoteForwardMailet(new CredentialsVault());
        started.keep(mailet::destroy);
        mailet.init(config.build());
    }

    private void start(String... parameters) throws MessagingException {
        start(context, parameters);
    }

    private static Script acceptAll(String mailFrom, String... recipients) {
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
        start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test");
        Mail mail = mail("a@example.com", "b@example.com", "c@example.com");

        mailet.service(mail);

        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(ORIGINAL);
        assertThat(server.violations()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(mail.getRecipients()).isEmpty();
        assertThat(context.getSentMails()).isEmpty();
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
        start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test");
        Mail mail = mailOf(utf8Headers, "a@example.com", "b@example.com");

        mailet.service(mail);

        assertThat(server.violations()).isEmpty();
        assertThat(server.onlyConversation().onlyMessage()).isEqualTo(utf8Headers.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theNullSenderStaysNull() throws Exception {
        server = started.tcp(acceptAll("MAIL FROM:<>", "b@example.com"));
        start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test");
        Mail mail = mail(null, "b@example.com");

        mailet.service(mail);

        assertThat(server.violations()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void failedRecipientsGoToTheErrorProcessorWithTheDownstreamReplies() throws Exception {
        server = started.tcp(Script.of().send("220 lmtp.test").expect("LHLO relay.test").send("250-lmtp.test", "250 ENHANCEDSTATUSCODES")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<ok@example.com>").send("250 ok")
            .expect("RCPT TO:<later@example.com>").send("250 ok")
            .expect("RCPT TO:<full@example.com>").send("250 ok")
            .expect("RCPT TO:<nobody@example.com>").send("550 5.1.1 <nobody@example.com> user unknown")
            .expect("DATA").send("354 go")
            .receiveMessage().send("250 2.0.0 saved", "451 4.2.0 <later@example.com> try again", "552 5.2.2 <full@example.com> over quota")
            .expect("QUIT").send("221 bye"));
        start("protocol", "lmtp", "targets", server.tcpUri(), "heloName", "relay.test", "errorProcessor", "forward-failures");
        Mail mail = mail("a@example.com", "ok@example.com", "later@example.com", "full@example.com", "nobody@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(mail.getRecipients()).isEmpty();
        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail failures = context.getSentMails().get(0);
        assertThat(failures.getState()).isEqualTo("forward-failures");
        assertThat(failures.getRecipients()).containsExactly(
            new MailAddress("later@example.com"), new MailAddress("full@example.com"), new MailAddress("nobody@example.com"));
        Map<String, AttributeValue<?>> byRecipient = failureMap(failures);
        assertThat(fields(byRecipient, "later@example.com"))
            .containsEntry("outcome", "temporary").containsEntry("code", 451).containsEntry("enhancedStatus", "4.2.0")
            .containsEntry("text", "<later@example.com> try again").containsEntry("endpoint", server.tcpUri());
        assertThat(fields(byRecipient, "full@example.com"))
            .containsEntry("outcome", "permanent").containsEntry("code", 552).containsEntry("reply", "552 5.2.2 <full@example.com> over quota");
        assertThat(fields(byRecipient, "nobody@example.com"))
            .containsEntry("outcome", "permanent").containsEntry("code", 550);
        assertThat((String) fields(byRecipient, "nobody@example.com").get("detail")).contains("RCPT TO");
        assertThat(new String(server.onlyConversation().onlyMessage(), StandardCharsets.UTF_8)).isEqualTo(ORIGINAL);
    }

    @Test
    void anUnreachableDownstreamFailsEveryRecipientTemporarilyNamingEachEndpoint() throws Exception {
        String dead = LoopbackPorts.deadEndpoint();
        start("targets", dead, "heloName", "relay.test");
        Mail mail = mail("a@example.com", "b@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        FakeMailContext.SentMail failures = context.getSentMails().get(0);
        assertThat(failures.getState()).isEqualTo("error");
        Map<String, Object> fields = fields(failureMap(failures), "b@example.com");
        assertThat(fields).containsEntry("outcome", "temporary").doesNotContainKey("code");
        assertThat((String) fields.get("detail")).contains(dead).contains("cannot connect");
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
        CredentialsVault vault = new CredentialsVault();
        mailet = new RemoteForwardMailet(vault);
        started.keep(mailet::destroy);
        mailet.init(FakeMailetConfig.builder().mailetName("forward").mailetContext(context)
            .setProperty("targets", server.tcpUri()).setProperty("starttls", "no").setProperty("auth", "forward")
            .setProperty("heloName", "relay.test").build());
        Mail mail = mail("alice@example.com", "b@example.com");
        vault.depositFor(mail, new Credentials("alice@example.com", "alice-pw"));

        mailet.service(mail);

        assertThat(server.violations()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(vault.credentialsFor(mail)).as("released once delivered").isEmpty();
        assertThat(mail.attributes()).allSatisfy(a -> assertThat(a.getValue().toString()).doesNotContain("alice-pw"));
    }

    @Test
    void authForwardWithoutCredentialsFailsPermanentlyWithAClearError() throws Exception {
        start("targets", "tcp://127.0.0.1:1", "starttls", "no", "auth", "forward", "heloName", "relay.test");
        Mail mail = mail("a@example.com", "b@example.com");

        mailet.service(mail);

        Map<String, Object> fields = fields(failureMap(context.getSentMails().get(0)), "b@example.com");
        assertThat(fields).containsEntry("outcome", "permanent");
        assertThat((String) fields.get("detail")).contains("auth forward needs the original client's credentials");
    }

    @Test
    void whenJamesRefusesTheNewMailTheMailItselfCarriesTheFailures() throws Exception {
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
                return method.invoke(context, args);
            });
        start(refusing, "targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test", "errorProcessor", "failures");
        Mail mail = mail("a@example.com", "ok@example.com", "bad@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo("failures");
        assertThat(mail.getRecipients()).containsExactly(new MailAddress("bad@example.com"));
        assertThat(mail.getAttribute(FailureAttributes.FAILURES)).isPresent();
        assertThat(mail.getErrorMessage()).contains("bad@example.com").contains("550");
    }

    @Test
    void initFailsNamingTheParameter() {
        assertThatThrownBy(() -> start("protocol", "smtp"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("forward targets: required");
        assertThatThrownBy(() -> start("targets", "tcp://mx:25", "connect_timeout", "soon"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("connect_timeout: 'soon' is not a duration");
        assertThatThrownBy(() -> start("targets", "tcp://mx:25", "gatewayPort", "25"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("gatewayPort: unknown parameter");
    }

    @Test
    void initFailsNamingTheTlsParameterWhosePemCannotBeRead() {
        assertThatThrownBy(() -> start("targets", "tcp://mx:25", "tlsRootCa", dir.resolve("absent.pem").toString()))
            .isInstanceOf(MessagingException.class).hasMessageContaining("tlsRootCa: cannot read").hasMessageContaining("absent.pem");
        assertThatThrownBy(() -> start("targets", "tcp://mx:25", "tlsCiphers", "NOPE"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("tlsCiphers: 'NOPE' is not a cipher suite");
    }

    @Test
    void aMailWithoutRecipientsIsGhosted() throws Exception {
        start("targets", "tcp://127.0.0.1:1", "heloName", "relay.test");
        Mail mail = mail("a@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getSentMails()).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, AttributeValue<?>> failureMap(FakeMailContext.SentMail sent) {
        return (Map<String, AttributeValue<?>>) sent.getAttributes().get(FailureAttributes.FAILURES).getValue().getValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(Map<String, AttributeValue<?>> byRecipient, String recipient) {
        Map<String, AttributeValue<?>> fields = (Map<String, AttributeValue<?>>) byRecipient.get(recipient).getValue();
        Map<String, Object> plain = new LinkedHashMap<>();
        fields.forEach((key, value) -> plain.put(key, value.getValue()));
        return plain;
    }
}
