package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/**
 * AUTH XOAUTH2 and OAUTHBEARER against scripted servers: the SASL messages as Google, Microsoft
 * and RFC 7628 define them, a refused token replaced and tried once more on the same session, a
 * second refusal or no token at all a temporary failure with nothing sent.
 */
class OAuthAuthTest {
    @RegisterExtension
    final Started started = new Started();
    @TempDir
    Path dir;

    private static final Envelope ONE = new Envelope("a@example.com", List.of("b@example.com"));
    private static final String USER = "relay@example.com";

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String xoauth2(String token) {
        return "AUTH XOAUTH2 " + base64("user=" + USER + "\u0001auth=Bearer " + token + "\u0001\u0001");
    }

    private static Script offering(String mechanism) {
        return Script.of().send("220 mx.test").expect("EHLO client.test").send("250-mx.test", "250 AUTH " + mechanism);
    }

    private static Script delivering(Script script) {
        return script.expect("MAIL FROM:<a@example.com>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("250 ok")
            .expect("DATA").send("354 go").receiveMessage().send("250 2.0.0 queued")
            .expect("QUIT").send("221 bye");
    }

    /** Google's error challenge: base64 of a JSON status, answered with an empty line. */
    private static Script refusingToken(Script script, String token) {
        return script.expect(xoauth2(token)).send("334 " + base64("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}"))
            .expect("").send("535 5.7.8 Username and Password not accepted");
    }

    /** Tokens given out in turn, the refused ones recorded. */
    private static final class Tokens implements AccessTokens {
        private final Deque<String> values;
        final List<String> refused = new ArrayList<>();

        Tokens(String... values) {
            this.values = new ArrayDeque<>(List.of(values));
        }

        @Override
        public AccessToken current() throws TokenUnavailableException {
            if (values.isEmpty()) {
                throw new TokenUnavailableException("no token left");
            }
            return new AccessToken(values.peek(), "the test");
        }

        @Override
        public void refused(AccessToken token) {
            refused.add(token.value());
            values.remove(token.value());
        }
    }

    @Test
    void xoauth2SendsTheUserAndTheBearerTokenAsGoogleAndMicrosoftDefineIt() throws Exception {
        ScriptedServer server = started.tcp(delivering(offering("XOAUTH2").expect(xoauth2("ya29.token")).send("235 2.7.0 Accepted")));
        DeliveryResult result = started.deliverOnce(SettingsBuilder.to(server.tcpUri()).oauth(AuthMode.XOAUTH2, USER, new Tokens("ya29.token")), ONE);

        assertThat(result.of("b@example.com").delivered()).isTrue();
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void oauthBearerSendsRfc7628sMessageWithHostAndPort() throws Exception {
        ScriptedServer server = started.tcp(delivering(offering("OAUTHBEARER").expectMatching("AUTH OAUTHBEARER .*").send("235 2.7.0 ok")));
        started.deliverOnce(SettingsBuilder.to(server.tcpUri()).oauth(AuthMode.OAUTHBEARER, USER, new Tokens("t0k3n")), ONE);

        String auth = server.onlyConversation().commands.stream().filter(c -> c.startsWith("AUTH OAUTHBEARER ")).findFirst().orElseThrow();
        String message = new String(Base64.getDecoder().decode(auth.substring("AUTH OAUTHBEARER ".length())), StandardCharsets.UTF_8);
        assertThat(message).isEqualTo("n,a=" + USER + ",\u0001host=127.0.0.1\u0001port=" + server.port() + "\u0001auth=Bearer t0k3n\u0001\u0001");
    }

    @Test
    void aRefusedTokenIsDroppedAndAFreshOneTriedOnceMoreOnTheSameSession() throws Exception {
        ScriptedServer server = started.tcp(delivering(refusingToken(offering("XOAUTH2"), "revoked").expect(xoauth2("fresh")).send("235 2.7.0 ok")));
        Tokens tokens = new Tokens("revoked", "fresh");
        DeliveryResult result = started.deliverOnce(SettingsBuilder.to(server.tcpUri()).oauth(AuthMode.XOAUTH2, USER, tokens), ONE);

        assertThat(result.of("b@example.com").delivered()).isTrue();
        assertThat(tokens.refused).containsExactly("revoked");
        assertThat(server.violations()).isEmpty();
    }

    @Test
    void noTokenNorItsSaslMessageReachesALogEvenWithTheDialogueOnAtDebug() throws Exception {
        ch.qos.logback.classic.Logger ours = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.remoteforward");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        ch.qos.logback.classic.Level before = ours.getLevel();
        ours.setLevel(ch.qos.logback.classic.Level.DEBUG);
        ours.addAppender(appender);
        List<String> lines = new ArrayList<>();
        try {
            ScriptedServer server = started.tcp(delivering(refusingToken(offering("XOAUTH2"), "Secret-Revoked-1").expect(xoauth2("Secret-Fresh-2"))
                .send("235 2.7.0 ok")));
            started.deliverOnce(SettingsBuilder.to(server.tcpUri()).dialogue(DialogueLogging.ON)
                .oauth(AuthMode.XOAUTH2, USER, new Tokens("Secret-Revoked-1", "Secret-Fresh-2")), ONE);
        } finally {
            ours.detachAppender(appender);
            ours.setLevel(before);
            synchronized (appender) {
                appender.list.forEach(event -> lines.add(event.getFormattedMessage()));
            }
        }
        assertThat(lines).anyMatch(line -> line.contains("AUTH XOAUTH2 <redacted>"));
        for (String secret : List.of("Secret-Revoked-1", "Secret-Fresh-2", xoauth2("Secret-Revoked-1").substring(13), xoauth2("Secret-Fresh-2").substring(13))) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void aSecondRefusalIsTemporaryAndNoMailIsSent() throws Exception {
        ScriptedServer server = started.tcp(refusingToken(refusingToken(offering("XOAUTH2"), "tok-A1"), "tok-B2").expect("QUIT").send("221 bye"));
        DeliveryResult result = started.deliverOnce(SettingsBuilder.to(server.tcpUri()).oauth(AuthMode.XOAUTH2, USER, new Tokens("tok-A1", "tok-B2")), ONE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).as("a refused token is the provider's or the operator's to fix, never a bounce").isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.reply().code()).isEqualTo(454);
        assertThat(b.detail()).contains("refused the access token twice").contains("535 5.7.8").doesNotContain("tok-A1").doesNotContain("tok-B2");
        assertThat(server.onlyConversation().commands).noneMatch(c -> c.startsWith("MAIL FROM"));
    }

    @Test
    void noTokenAtAllIsTemporaryAndNothingIsSentUnauthenticated() throws Exception {
        ScriptedServer server = started.tcp(offering("XOAUTH2").expect("QUIT").send("221 bye"));
        DeliveryResult result = started.deliverOnce(SettingsBuilder.to(server.tcpUri())
            .oauth(AuthMode.XOAUTH2, USER, new TokenFile(dir.resolve("missing-token"))), ONE);

        RecipientResult b = result.of("b@example.com");
        assertThat(b.outcome()).isEqualTo(Outcome.TEMPORARY_FAILURE);
        assertThat(b.detail()).contains("missing-token").contains("oauthTokenFile");
        assertThat(server.onlyConversation().commands).containsExactly("EHLO client.test", "QUIT");
    }

    @Test
    void theTokenFileIsReReadWhenItChangesAndAfterARefusal() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "first\n");
        TokenFile tokens = new TokenFile(file);
        AccessToken first = tokens.current();
        assertThat(first.value()).isEqualTo("first");
        assertThat(first.toString()).doesNotContain("first");

        Files.writeString(file, "second-and-longer");
        assertThat(tokens.current().value()).isEqualTo("second-and-longer");
        // rewritten with the same size and, as a coarse file system may show it, the same time: seen after a refusal
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(file);
        Files.writeString(file, "third-and-longer!");
        Files.setLastModifiedTime(file, before);
        AccessToken stale = tokens.current();
        assertThat(stale.value()).isEqualTo("second-and-longer");
        tokens.refused(stale);
        assertThat(tokens.current().value()).isEqualTo("third-and-longer!");
    }

    @Test
    void aTokenFileThatHoldsNoTokenSaysSo() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "  \n");
        Path huge = Files.write(dir.resolve("huge"), new byte[(int) SecretFiles.MAX_BYTES + 1]);
        Path spaced = Files.writeString(dir.resolve("spaced"), "two words");

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new TokenFile(empty).current())).hasMessageContaining("is empty");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new TokenFile(huge).current())).hasMessageContaining("more than any access token");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new TokenFile(spaced).current()))
            .hasMessageContaining("characters a bearer token cannot have").hasMessageNotContaining("two words");
    }
}
