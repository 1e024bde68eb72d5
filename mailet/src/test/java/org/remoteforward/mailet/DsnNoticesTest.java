package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.mail.BodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.apache.james.core.MailAddress;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.DsnParameters.Notify;
import org.apache.mailet.DsnParameters.RecipientDsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

import com.google.common.collect.ImmutableMap;

/**
 * The sender's DSN request (RFC 3461) as James's DSN hooks put it on the mail: passed on to a
 * downstream that advertises DSN, and honoured by the notices the mailet sends itself (RFC 3464):
 * NOTIFY decides whether there is one, RET what it returns, ENVID and ORCPT are reported back, and
 * a success notice nobody after us would send is sent as {@code relayed}.
 */
class DsnNoticesTest {
    private static final String MESSAGE = "Subject: dsn\r\nFrom: a@example.com\r\n\r\nthe body, which only RET=FULL returns\r\n";

    @RegisterExtension
    final Started started = new Started();
    private MailetHarness harness;

    @BeforeEach
    void harness() throws Exception {
        harness = new MailetHarness(started);
    }

    /** EHLO with {@code ehlo}, then each RCPT answered in turn; DATA if any is accepted. */
    private static Script answering(String ehlo, String mailFrom, Map<String, String> rcpts) {
        Script script = Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", ehlo).expect(mailFrom).send("250 ok");
        boolean anyAccepted = false;
        for (Map.Entry<String, String> rcpt : rcpts.entrySet()) {
            script.expect(rcpt.getKey()).send(rcpt.getValue());
            anyAccepted |= rcpt.getValue().startsWith("2");
        }
        if (anyAccepted) {
            script.expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued");
        }
        return script.expect("QUIT").send("221 bye");
    }

    private Mail mail(Optional<DsnParameters.Ret> ret, Optional<String> envId, Map<String, RecipientDsnParameters> recipients,
                      String... to) throws Exception {
        Mail mail = harness.mail(MESSAGE, "a@example.com", to);
        ImmutableMap.Builder<MailAddress, RecipientDsnParameters> byRecipient = ImmutableMap.builder();
        for (Map.Entry<String, RecipientDsnParameters> entry : recipients.entrySet()) {
            byRecipient.put(new MailAddress(entry.getKey()), entry.getValue());
        }
        // as James's DSNMessageHook puts them on the mail: ENVID and ORCPT as the client sent them, in xtext
        DsnParameters.of(envId.map(DsnParameters.EnvId::of), ret, byRecipient.build()).ifPresent(mail::setDsnParameters);
        return mail;
    }

    private void forward(ScriptedServer server, Mail mail, String... parameters) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes"));
        all.addAll(List.of(parameters));
        harness.start(all.toArray(String[]::new)).service(mail);
        assertThat(server.violations()).isEmpty();
    }

    private static RecipientDsnParameters notify(Notify first, Notify... rest) {
        return RecipientDsnParameters.of(EnumSet.of(first, rest));
    }

    private static BodyPart returned(MimeMessage dsn) throws Exception {
        return ((MimeMultipart) dsn.getContent()).getBodyPart(2);
    }

    @Test
    void theRequestReachesADownstreamThatOffersDsnWhichThenOwesTheNotices() throws Exception {
        ScriptedServer server = started.tcp(answering("250 DSN", "MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ+2B1",
            mapOf("RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2Bx@example.com", "250 ok",
                "RCPT TO:<c@example.com>", "250 ok")));

        forward(server, mail(Optional.of(DsnParameters.Ret.HDRS), Optional.of("QQ+2B1"),
            Map.of("b@example.com", RecipientDsnParameters.of(EnumSet.of(Notify.SUCCESS, Notify.FAILURE),
                new MailAddress("orig+2Bx@example.com"))), "b@example.com", "c@example.com"));

        // the downstream took the SUCCESS request on: no notice from us
        assertThat(harness.dsns()).isEmpty();
    }

    @Test
    void noFailureNoticeForARecipientWhoseNotifySaysNeverOrLeavesFailureOut() throws Exception {
        ScriptedServer server = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<never@example.com>", "550 5.1.1 no such user", "RCPT TO:<delay@example.com>", "550 5.1.1 no such user",
                "RCPT TO:<default@example.com>", "550 5.1.1 no such user")));

        forward(server, mail(Optional.empty(), Optional.empty(),
            Map.of("never@example.com", notify(Notify.NEVER), "delay@example.com", notify(Notify.DELAY, Notify.SUCCESS)),
            "never@example.com", "delay@example.com", "default@example.com"));

        assertThat(harness.dsns()).singleElement().satisfies(sent -> {
            String status = MailetHarness.deliveryStatus(sent.getMsg());
            assertThat(status).contains("Final-Recipient: rfc822; default@example.com")
                .doesNotContain("never@example.com").doesNotContain("delay@example.com");
        });
        // nothing the sender did not ask to hear of went anywhere else either
        assertThat(harness.context.getSentMails()).hasSize(1);
    }

    @Test
    void noNoticeAtAllWhenNoRecipientWantsOne() throws Exception {
        ScriptedServer server = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<never@example.com>", "550 5.1.1 no such user")));

        forward(server, mail(Optional.empty(), Optional.empty(), Map.of("never@example.com", notify(Notify.NEVER)), "never@example.com"));

        assertThat(harness.context.getSentMails()).isEmpty();
    }

    @Test
    void retHdrsReturnsTheHeaderAndRetFullTheWholeMessageByteForByte() throws Exception {
        ScriptedServer hdrs = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<b@example.com>", "550 5.1.1 no such user")));
        forward(hdrs, mail(Optional.of(DsnParameters.Ret.HDRS), Optional.empty(), Map.of(), "b@example.com"));
        MimeMessage headersOnly = harness.dsns().get(0).getMsg();
        assertThat(returned(headersOnly).getContentType()).isEqualTo("text/rfc822-headers");
        assertThat(MailetHarness.text(returned(headersOnly).getInputStream())).contains("Subject: dsn").doesNotContain("the body");

        ScriptedServer full = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<b@example.com>", "550 5.1.1 no such user")));
        forward(full, mail(Optional.of(DsnParameters.Ret.FULL), Optional.empty(), Map.of(), "b@example.com"));
        MimeMessage whole = harness.dsns().get(1).getMsg();
        BodyPart message = returned(whole);
        assertThat(message.getContentType()).isEqualTo("message/rfc822");
        // written out and read back as a reader of the report would
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        whole.writeTo(written);
        MimeMessage reread = new MimeMessage(null, new java.io.ByteArrayInputStream(written.toByteArray()));
        BodyPart rereadPart = returned(reread);
        assertThat(MailetHarness.text(((javax.mail.internet.MimeBodyPart) rereadPart).getRawInputStream())).isEqualTo(MESSAGE);
        assertThat(MailetHarness.text(returned(whole).getDataHandler().getInputStream())).isEqualTo(MESSAGE);
        assertThat(((MimeMultipart) whole.getContent()).getBodyPart(0).getContent().toString()).contains("Your message follows this report.");
    }

    @Test
    void theStatusIsTheEnhancedCodeAMultiLineReplyCarriesOnItsLastLine() throws Exception {
        // Cyrus lmtpd's and smtpd's refusal of an unknown mailbox: the code only on the last line (RFC 2034 lets every line carry it)
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 8BITMIME")
            .expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("550-Mailbox unknown.  Either there is no mailbox associated with this",
                "550-name or you do not have authorization to see it.", "550 5.1.1 User unknown")
            .expect("QUIT").send("221 bye"));

        forward(server, mail(Optional.empty(), Optional.empty(), Map.of(), "b@example.com"));

        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).contains("Status: 5.1.1\r\n").contains("Diagnostic-Code: smtp; 550 Mailbox unknown.");
    }

    @Test
    void aRefusalOfOurOwnReportsItsOwnEnhancedCodeNotOnlyItsClass() throws Exception {
        // the message is over the SIZE the server advertises: refused here (552 5.3.4), before MAIL FROM
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 SIZE 10")
            .expect("QUIT").send("221 bye"));

        forward(server, mail(Optional.empty(), Optional.empty(), Map.of(), "b@example.com"));

        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).contains("Action: failed\r\n").contains("Status: 5.3.4\r\n");
    }

    @Test
    void aTemporaryFailureGivenUpOnReportsTheCodeOfItsLastCause() throws Exception {
        // nothing listens on port 1: 451 4.4.1 downstream unavailable, and no retry is left
        harness.start("targets", "tcp://127.0.0.1:1", "starttls", "no", "heloName", "relay.test", "inline", "yes", "maxRetries", "0")
            .service(mail(Optional.empty(), Optional.empty(), Map.of(), "b@example.com"));

        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).contains("Action: failed\r\n").contains("Status: 4.4.1\r\n");
    }

    @Test
    void aMailboxFullGivenUpOnKeepsTheServersOwnCode() throws Exception {
        // 552 5.2.2 is temporary (as maddy takes it); given up on, its own code says more than a class
        ScriptedServer server = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<b@example.com>", "552 5.2.2 mailbox full")));

        forward(server, mail(Optional.empty(), Optional.empty(), Map.of(), "b@example.com"), "maxRetries", "0");

        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).contains("Action: failed\r\n").contains("Status: 5.2.2\r\n");
    }

    @Test
    void envidAndOrcptAreReportedDecodedAndCannotAddFields() throws Exception {
        ScriptedServer server = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<b@example.com>", "550 5.1.1 no such user", "RCPT TO:<c@example.com>", "550 5.1.1 no such user")));

        // an ENVID whose xtext decodes to a line break and a field of the client's own
        forward(server, mail(Optional.empty(), Optional.of("QQ+2B1+0D+0AAction:+20delivered"),
            Map.of("b@example.com", RecipientDsnParameters.of(new MailAddress("orig+2Bx@example.com"))), "b@example.com", "c@example.com"));

        String status = MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg());
        assertThat(status).contains("Original-Envelope-Id: QQ+1 Action: delivered\r\n")
            .contains("Original-Recipient: rfc822; orig+x@example.com\r\nFinal-Recipient: rfc822; b@example.com")
            .doesNotContain("\r\nAction: delivered");
        // c asked for nothing: no Original-Recipient of its own
        assertThat(status.substring(status.indexOf("Final-Recipient: rfc822; c@example.com"))).doesNotContain("Original-Recipient");
        assertThat(status.split("Original-Recipient", -1)).hasSize(2);
    }

    @Test
    void aSuccessNoticeNoLaterServerWillSendIsSentAsRelayed() throws Exception {
        ScriptedServer server = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<b@example.com>", "250 ok", "RCPT TO:<c@example.com>", "250 ok")));

        forward(server, mail(Optional.of(DsnParameters.Ret.FULL), Optional.of("env-7"),
            Map.of("b@example.com", RecipientDsnParameters.of(EnumSet.of(Notify.SUCCESS), new MailAddress("orig@example.com"))),
            "b@example.com", "c@example.com"));

        FakeMailContext.SentMail sent = harness.dsns().get(0);
        assertThat(harness.dsns()).hasSize(1);
        assertThat(sent.getSender().isNullSender()).isTrue();
        assertThat(sent.getRecipients()).containsExactly(new MailAddress("a@example.com"));
        assertThat(sent.getMsg().getSubject()).isEqualTo("Successful Mail Delivery Report");
        String status = MailetHarness.deliveryStatus(sent.getMsg());
        assertThat(status).contains("Original-Envelope-Id: env-7")
            .contains("Original-Recipient: rfc822; orig@example.com\r\nFinal-Recipient: rfc822; b@example.com\r\nAction: relayed\r\n"
                + "Status: 2.0.0\r\n")
            .contains("Diagnostic-Code: smtp; 250 2.0.0 queued")
            .doesNotContain("c@example.com");
        // a success notice returns the header only, whatever RET says (RET is about failures)
        assertThat(returned(sent.getMsg()).getContentType()).isEqualTo("text/rfc822-headers");
    }

    @Test
    void overLmtpTheRecipientIsDelivered() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 lmtp.test").expect("LHLO relay.test").send("250 lmtp.test")
            .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 saved").expect("QUIT").send("221 bye"));

        forward(server, mail(Optional.empty(), Optional.empty(), Map.of("b@example.com", notify(Notify.SUCCESS)), "b@example.com"),
            "protocol", "lmtp");

        assertThat(MailetHarness.deliveryStatus(harness.dsns().get(0).getMsg())).contains("Action: delivered\r\nStatus: 2.0.0");
    }

    @Test
    void aBounceProcessorGetsOneCopyPerStatusWithTheStatusWhereDsnBounceReadsItAndTheRequest() throws Exception {
        ScriptedServer server = started.tcp(answering("250 8BITMIME", "MAIL FROM:<a@example.com>",
            mapOf("RCPT TO:<b@example.com>", "550 5.1.1 no such user", "RCPT TO:<c@example.com>", "553 5.1.3 bad address syntax",
                "RCPT TO:<d@example.com>", "550 5.1.1 nor this one")));

        forward(server, mail(Optional.of(DsnParameters.Ret.HDRS), Optional.empty(), Map.of("b@example.com", notify(Notify.NEVER)),
            "b@example.com", "c@example.com", "d@example.com"), "bounceProcessor", "bounces");

        List<FakeMailContext.SentMail> copies = harness.context.getSentMails();
        assertThat(copies).hasSize(2).allSatisfy(copy -> assertThat(copy.getState()).isEqualTo("bounces"));
        FakeMailContext.SentMail unknown = copies.get(0);
        assertThat(unknown.getRecipients()).containsExactly(new MailAddress("b@example.com"), new MailAddress("d@example.com"));
        assertThat(unknown.getAttributes().get(FailedRecipients.DELIVERY_ERROR).getValue().getValue()).isEqualTo("5.1.1");
        assertThat(unknown.getAttributes().get(FailedRecipients.DELIVERY_ERROR_CODE).getValue().getValue()).isEqualTo(550);
        assertThat(unknown.getAttributes().get(FailedRecipients.IS_DELIVERY_PERMANENT_ERROR).getValue().getValue()).isEqualTo(true);
        assertThat(unknown.getAttributes()).containsKey(FailureAttributes.FAILURES);
        // the request goes with it, for DSNFailureRequested and DSNBounce to honour (b asked for none)
        assertThat(unknown.getAttributes()).containsKeys(org.apache.mailet.AttributeName.of("dsn-notify"),
            org.apache.mailet.AttributeName.of("dsn-ret"));
        FakeMailContext.SentMail badSyntax = copies.get(1);
        assertThat(badSyntax.getRecipients()).containsExactly(new MailAddress("c@example.com"));
        assertThat(badSyntax.getAttributes().get(FailedRecipients.DELIVERY_ERROR).getValue().getValue()).isEqualTo("5.1.3");
        assertThat(badSyntax.getAttributes().get(FailedRecipients.DELIVERY_ERROR_CODE).getValue().getValue()).isEqualTo(553);
    }

    @Test
    void theNullSenderIsToldNothing() throws Exception {
        ScriptedServer server = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<>").send("250 ok").expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 ok").expect("QUIT").send("221 bye"));
        Mail mail = harness.mail(MESSAGE, null, "b@example.com");
        DsnParameters.of(Optional.empty(), Optional.empty(), ImmutableMap.of(new MailAddress("b@example.com"), notify(Notify.SUCCESS)))
            .ifPresent(mail::setDsnParameters);

        forward(server, mail);

        assertThat(harness.context.getSentMails()).isEmpty();
    }

    private static Map<String, String> mapOf(String... keysAndValues) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
