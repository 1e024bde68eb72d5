package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.remoteforward.testing.Messages;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** What a negative reply means for the recipient, at each step it can come: the README's table. */
class ReplyOutcomesTest {
    private static final Envelope ENVELOPE = new Envelope("a@example.com", List.of("b@example.com"));

    @RegisterExtension
    final Started started = new Started();

    private static Script refusedAt(String protocol, String step, String reply) {
        return answeredAt(protocol, step, reply, true);
    }

    /** @param quits the client ends the session with QUIT after the reply (it does not after a protocol violation) */
    private static Script answeredAt(String protocol, String step, String reply, boolean quits) {
        String hello = protocol.equals("lmtp") ? "LHLO client.test" : "EHLO client.test";
        Script script = Script.of().send("220 mx.test").expect(hello).send("250 mx.test");
        if (step.equals("MAIL")) {
            return quit(script.expect("MAIL FROM:<a@example.com>").send(reply), quits);
        }
        script.expect("MAIL FROM:<a@example.com>").send("250 ok");
        if (step.equals("RCPT")) {
            return quit(script.expect("RCPT TO:<b@example.com>").send(reply), quits);
        }
        script.expect("RCPT TO:<b@example.com>").send("250 ok");
        if (step.equals("DATA")) {
            return quit(script.expect("DATA").send(reply), quits);
        }
        return quit(script.expect("DATA").send("354 go").receiveMessage().send(reply), quits);
    }

    /** Delivers {@link #ENVELOPE} to {@code server} over {@code protocol}; the sender is closed (QUIT) before this returns. */
    private RecipientResult deliverTo(ScriptedServer server, String protocol) throws Exception {
        SettingsBuilder settings = SettingsBuilder.to(server.tcpUri());
        DownstreamSender sender = started.sender(protocol.equals("lmtp") ? settings.lmtp() : settings);
        RecipientResult b = sender.deliver(ENVELOPE, Messages.of(Messages.SIMPLE)).of("b@example.com");
        sender.close();
        return b;
    }

    private static Script quit(Script script, boolean quits) {
        return quits ? script.expect("QUIT").send("221 bye") : script;
    }

    @ParameterizedTest(name = "{0}: {1} at {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        "smtp | MAIL  | 451 4.3.0 later                | TEMPORARY_FAILURE",
        "smtp | MAIL  | 550 5.7.1 sender refused       | PERMANENT_FAILURE",
        "smtp | MAIL  | 552 5.3.4 message too big      | PERMANENT_FAILURE",
        "smtp | RCPT  | 450 4.2.1 mailbox busy         | TEMPORARY_FAILURE",
        "smtp | RCPT  | 452 4.5.3 too many recipients  | TEMPORARY_FAILURE",
        "smtp | RCPT  | 550 5.1.1 no such user         | PERMANENT_FAILURE",
        "smtp | RCPT  | 552 5.5.3 too many recipients  | TEMPORARY_FAILURE",
        "smtp | RCPT  | 552 5.2.2 mailbox full         | TEMPORARY_FAILURE",
        "smtp | RCPT  | 552 too many recipients        | TEMPORARY_FAILURE",
        "smtp | RCPT  | 553 5.1.3 bad address         | PERMANENT_FAILURE",
        "smtp | DATA  | 451 4.3.0 later                | TEMPORARY_FAILURE",
        "smtp | DATA  | 554 5.5.1 no valid recipients  | PERMANENT_FAILURE",
        "smtp | DATA  | 552 5.3.4 message too big      | PERMANENT_FAILURE",
        "smtp | FINAL | 451 4.7.1 greylisted          | TEMPORARY_FAILURE",
        "smtp | FINAL | 554 5.7.1 spam                 | PERMANENT_FAILURE",
        "smtp | FINAL | 552 5.2.2 mailbox full         | TEMPORARY_FAILURE",
        "smtp | FINAL | 552 exceeded storage allocation | TEMPORARY_FAILURE",
        "smtp | FINAL | 552 5.3.4 message too big      | PERMANENT_FAILURE",
        "smtp | FINAL | 552 5.7.1 refused              | PERMANENT_FAILURE",
        "lmtp | FINAL | 552 5.2.2 over quota           | TEMPORARY_FAILURE",
        "lmtp | FINAL | 552 5.3.4 too big              | PERMANENT_FAILURE",
        "lmtp | RCPT  | 552 5.5.3 too many             | TEMPORARY_FAILURE",
    })
    void aRefusalMeansWhatItsCodeAndStepSay(String protocol, String step, String reply, Outcome expected) throws Exception {
        ScriptedServer server = started.tcp(refusedAt(protocol, step, reply));
        RecipientResult b = deliverTo(server, protocol);

        assertThat(server.violations()).isEmpty();
        assertThat(b.outcome()).as(b.detail()).isEqualTo(expected);
        assertThat(b.serverReply()).hasValueSatisfying(r -> assertThat(r.toString()).isEqualTo(reply));
    }

    /**
     * A 3xx where the step allows none (354 to MAIL, RCPT or after the message, 334 to DATA) is no
     * answer SMTP has for that step: the session is a protocol violation, broken off, and every
     * recipient still open is retried with a 451 of ours, never handed the server's 3xx (a
     * synchronous client would read it as an invitation).
     */
    @ParameterizedTest(name = "{0}: {2} at {1}")
    @CsvSource(delimiter = '|', value = {
        "smtp | MAIL  | 354 go on",
        "smtp | RCPT  | 354 go on",
        "smtp | DATA  | 334 VXNlcm5hbWU6",
        "smtp | FINAL | 354 again",
        "lmtp | FINAL | 354 again",
    })
    void aReplyOfNoClassTheStepHasIsABrokenSessionRetried(String protocol, String step, String reply) throws Exception {
        ScriptedServer server = started.tcp(answeredAt(protocol, step, reply, false));
        RecipientResult b = deliverTo(server, protocol);

        assertThat(b.outcome()).as(b.detail()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.reply().code()).as(b.detail()).isEqualTo(451);
        assertThat(b.detail()).isEqualTo(server.tcpUri() + ": answered " + (step.equals("RCPT") ? "RCPT TO" : step.equals("MAIL") ? "MAIL FROM"
            : step.equals("DATA") ? "DATA" : "the message") + " with " + reply);
        assertThat(b.serverReply()).isEmpty();
    }
}
