package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.remoteforward.testing.OAuthServer;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;

/**
 * Real deliveries through a real James to Postfix with SASL, with every logger of the JVM (James's,
 * ours, the dialogue log with the mailet's {@code debug} on) at DEBUG and captured: no password,
 * AUTH payload or forwarded credential may appear, neither when authentication succeeds nor when
 * the downstream refuses it.
 */
class SecretsInLogsTest {
    private static final String MESSAGE = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: secrets\r\n\r\nNothing to see.\r\n";
    private static final String WRONG_PASSWORD = "Wrong-Secret-7f3a";
    private static final String MALLORY = "mallory@example.com";
    private static final String MALLORY_PASSWORD = "Mallory-Secret-91c2";

    @RegisterExtension
    static final ClassPki PKI = new ClassPki("secrets-ca");

    @TempDir
    Path dir;

    private final CapturingAppender captured = new CapturingAppender();
    private final Map<Logger, Level> levelsBefore = new HashMap<>();

    @BeforeEach
    void captureEverythingAtDebug() {
        CollectingMailet.clear();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (Logger logger : context.getLoggerList()) {
            if (logger.getLevel() != null) {
                levelsBefore.put(logger, logger.getLevel());
                logger.setLevel(Level.DEBUG);
            }
        }
        captured.setContext(context);
        captured.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(captured);
    }

    @AfterEach
    void restoreLogging() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(captured);
        captured.stop();
        levelsBefore.forEach(Logger::setLevel);
    }

    @Test
    void authPlainPasswordsNeverReachALog() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"))) {
            try (ForwardingJames james = james(Map.of("targets", "tcp://localhost:" + postfix.smtpPort(), "auth", "plain",
                "authUsername", Dovecot.ALICE, "authPassword", Dovecot.ALICE_PASSWORD))) {
                SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
                assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);
            }
            try (ForwardingJames james = james(Map.of("targets", "tcp://localhost:" + postfix.smtpPort(), "auth", "plain",
                "authUsername", Dovecot.ALICE, "authPassword", WRONG_PASSWORD))) {
                SmtpClient.send(james.smtpPort(), "sender@example.org", List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
                assertThat(CollectingMailet.next().failures().get("bob@example.com")).containsEntry("code", 535);
            }
        }

        assertTheLogsTellTheStoryWithoutSecrets(Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, WRONG_PASSWORD);
    }

    @Test
    void forwardedCredentialsNeverReachALog() throws Exception {
        try (Dovecot dovecot = Dovecot.start(dir.resolve("dovecot"));
             Postfix postfix = Postfix.setup().tls(PKI.server().certificateFile(), PKI.server().pkcs8KeyFile())
                 .requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(Map.of(
                     "targets", "tcp://localhost:" + postfix.smtpPort(), "auth", "forward", "debug", "yes",
                     "tlsRootCa", PKI.ca().caFile().toString(), "heloName", "relay.test")), CollectingMailet.XML)
                 .withUsers(Map.of(Dovecot.ALICE, Dovecot.ALICE_PASSWORD, MALLORY, MALLORY_PASSWORD)))) {
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, Dovecot.ALICE_PASSWORD, Dovecot.ALICE, List.of("bob@example.com"),
                MESSAGE.getBytes(StandardCharsets.UTF_8), "");
            assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);

            // James knows mallory, Postfix's SASL does not: the forwarded credentials are refused downstream
            SmtpClient.send(james.smtpPort(), MALLORY, MALLORY_PASSWORD, MALLORY, List.of("bob@example.com"),
                MESSAGE.getBytes(StandardCharsets.UTF_8), "");
            assertThat(CollectingMailet.next().failures().get("bob@example.com")).containsEntry("code", 535);
        }

        assertTheLogsTellTheStoryWithoutSecrets(Dovecot.ALICE, Dovecot.ALICE_PASSWORD, MALLORY, MALLORY_PASSWORD);
    }

    @Test
    void theClientSecretRefreshTokensAndAccessTokensNeverReachALog() throws Exception {
        Path secret = Files.writeString(dir.resolve("client-secret"), "Client-Secret-a91f\n");
        Path refresh = Files.writeString(dir.resolve("refresh-token"), "Refresh-Token-33d0\n");
        List<String> secrets;
        try (OAuthServer provider = new OAuthServer("relay-app", "Client-Secret-a91f", Dovecot.ALICE).refreshToken("Refresh-Token-33d0", true);
             Dovecot dovecot = Dovecot.startWithOAuth(dir.resolve("dovecot"), provider.introspectionUrl());
             Postfix postfix = Postfix.setup().requireAuthVia(dovecot.authSocket()).start(dir.resolve("postfix"));
             ForwardingJames james = james(Map.of("targets", "tcp://127.0.0.1:" + postfix.smtpPort(), "starttls", "no",
                 "allowPlaintextCredentials", "yes", "auth", "xoauth2", "authUsername", Dovecot.ALICE, "reuseConnections", "no",
                 "oauthTokenEndpoint", provider.tokenUrl(), "oauthClientId", "relay-app", "oauthClientSecretFile", secret.toString(),
                 "oauthRefreshTokenFile", refresh.toString()))) {
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            assertThat(postfix.awaitMessages(1)).as(postfix.log()).hasSize(1);

            // revoked, and the endpoint then refuses with an error that echoes what it was sent
            provider.revokeAll();
            provider.answering(form -> new OAuthServer.Answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\""
                + form.get("refresh_token") + " " + form.get("client_secret") + "\"}"));
            SmtpClient.send(james.smtpPort(), Dovecot.ALICE, List.of("bob@example.com"), MESSAGE.getBytes(StandardCharsets.UTF_8));
            assertThat(CollectingMailet.next().failures().get("bob@example.com")).containsEntry("outcome", "temporary")
                .hasEntrySatisfying("detail", detail -> assertThat(String.valueOf(detail)).contains("answered HTTP 400: invalid_grant (<redacted> <redacted>)"));
            secrets = provider.secretsHandedOut();
        }
        String logs = captured.text();
        assertThat(logs).contains("AUTH XOAUTH2 <redacted>").contains("Got an access token from").contains("invalid_grant");
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(4);
        for (String value : secrets) {
            assertThat(logs).as("captured logs (" + logs.length() + " characters) contain a secret").doesNotContain(value);
            assertThat(logs).doesNotContain(base64("user=" + Dovecot.ALICE + "\u0001auth=Bearer " + value + "\u0001\u0001"));
        }
    }

    private static ForwardingJames james(Map<String, String> parameters) throws Exception {
        Map<String, String> all = new HashMap<>(parameters);
        all.put("debug", "yes");
        all.put("tlsRootCa", PKI.ca().caFile().toString());
        all.put("heloName", "relay.test");
        return ForwardingJames.start(ForwardingJames.Options.forwarding(CollectingMailet.collectingFailures(all), CollectingMailet.XML));
    }

    private void assertTheLogsTellTheStoryWithoutSecrets(String firstUser, String firstPassword, String secondUser, String secondPassword) {
        String logs = captured.text();
        // the capture worked: James's SMTP server logged at DEBUG, and our dialogue log shows the AUTH step, redacted
        assertThat(logs).contains("DEBUG org.apache.james.protocols.smtp").contains("AUTH PLAIN <redacted>").contains("235").contains("535");
        List<String> secrets = new ArrayList<>();
        for (String[] credentials : new String[][] {{firstUser, firstPassword}, {secondUser, secondPassword}}) {
            String user = credentials[0];
            String password = credentials[1];
            secrets.add(password);
            secrets.add(base64(password));
            secrets.add(base64("\0" + user + "\0" + password));
            secrets.add(base64(user + "\0" + user + "\0" + password));
        }
        for (String secret : secrets) {
            assertThat(logs).as("captured logs (" + logs.length() + " characters) contain a secret").doesNotContain(secret);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Keeps every event as text: message with its arguments, MDC, and any stack trace. */
    private static final class CapturingAppender extends AppenderBase<ILoggingEvent> {
        private final StringBuffer text = new StringBuffer();

        @Override
        protected void append(ILoggingEvent event) {
            text.append(event.getLevel()).append(' ').append(event.getLoggerName()).append(' ')
                .append(event.getFormattedMessage()).append(' ').append(event.getMDCPropertyMap()).append('\n');
            if (event.getThrowableProxy() != null) {
                text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
            }
        }

        String text() {
            return text.toString();
        }
    }
}
