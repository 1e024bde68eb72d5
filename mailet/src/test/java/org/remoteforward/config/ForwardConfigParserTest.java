package org.remoteforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.sender.AccessTokens;
import org.remoteforward.sender.AuthMode;
import org.remoteforward.sender.ConnectionSettings;
import org.remoteforward.sender.Credentials;
import org.remoteforward.sender.DialogueLogging;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Failover;
import org.remoteforward.sender.Protocol;
import org.remoteforward.sender.SendLimits;
import org.remoteforward.sender.SenderSettings;
import org.remoteforward.sender.Timeouts;
import org.remoteforward.sender.TokenEndpoint;

class ForwardConfigParserTest {

    private static Map<String, String> params(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private static ForwardConfig parse(String... pairs) throws InvalidConfigurationException {
        return ForwardConfigParser.parse(params(pairs), "relay.example.com");
    }

    @Test
    void defaultsAreMaddys() throws Exception {
        ForwardConfig config = parse("targets", "tcp://mx.example.com:25");
        SenderSettings sender = config.sender();

        assertThat(sender.protocol()).isEqualTo(Protocol.SMTP);
        assertThat(sender.endpoints()).containsExactly(Endpoint.parse("tcp://mx.example.com:25"));
        assertThat(sender.starttls()).isTrue();
        assertThat(sender.auth()).isEqualTo(AuthMode.OFF);
        assertThat(sender.timeouts()).isEqualTo(new Timeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(12)));
        assertThat(sender.dialogue()).isEqualTo(DialogueLogging.LOGGER_LEVEL);
        assertThat(sender.heloName()).isEqualTo("relay.example.com");
        assertThat(sender.tls().rootCa()).isEmpty();
        assertThat(config.errorProcessor()).isEqualTo("error");
        assertThat(config.warnings()).isEmpty();
        DeliverySettings delivery = config.delivery();
        assertThat(delivery.outgoingQueue()).isEqualTo("remote-forward");
        assertThat(delivery.deliveryThreads()).isEqualTo(4);
        assertThat(delivery.inline()).isEqualTo(DeliverySettings.Inline.IDLE);
        assertThat(delivery.inlineThreads()).isEmpty();
        assertThat(delivery.schedule().delays()).containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(6), Duration.ofHours(6));
        assertThat(delivery.maxRetries()).isEqualTo(7);
        assertThat(delivery.bounceProcessor()).isEmpty();
        assertThat(sender.connections()).isEqualTo(ConnectionSettings.DEFAULTS);
        assertThat(sender.allowSenderRouting()).isFalse();
        assertThat(sender.failover()).isEqualTo(Failover.CONNECTION);
        assertThat(sender.limits()).isEqualTo(SendLimits.NONE);
        assertThat(delivery.credentialsRetention()).as("twice the schedule's 15h15m, and an hour").isEqualTo(Duration.ofMinutes(31 * 60 + 30));
        assertThat(delivery.credentialsKeyFile()).isEmpty();
        assertThat(delivery.retryDelays()).isEqualTo(DeliverySettings.RetryDelays.AUTO);
        assertThat(delivery.retryHoldLimit()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void failoverIsReadInEitherCase() throws Exception {
        assertThat(parse("targets", "tcp://mx:25, tcp://mx2:25", "failover", "temporary").sender().failover()).isEqualTo(Failover.TEMPORARY);
        assertThat(parse("targets", "tcp://mx:25", "failover", " Connection ").sender().failover()).isEqualTo(Failover.CONNECTION);
    }

    @Test
    void oauthTakesTheUserAndATokenFileItCanRead() throws Exception {
        Path token = java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("token", ""), "ya29.x");
        try {
            SenderSettings sender = parse("targets", "tls://smtp.gmail.com:465", "auth", "xoauth2", "authUsername", "relay@example.com",
                "oauthTokenFile", token.toString()).sender();
            assertThat(sender.auth()).isEqualTo(AuthMode.XOAUTH2);
            assertThat(sender.oauth().orElseThrow().username()).isEqualTo("relay@example.com");
            assertThat(sender.oauth().orElseThrow().tokens().current().value()).isEqualTo("ya29.x");
            assertThat(parse("targets", "tcp://smtp.office365.com:587", "auth", "oauthbearer", "authUsername", "relay@example.com",
                "oauthTokenFile", token.toString()).sender().auth()).isEqualTo(AuthMode.OAUTHBEARER);
            assertThatThrownBy(() -> parse("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenFile", token.toString(), "authPassword", "secret"))
                .hasMessageContaining("authPassword: is not used with auth xoauth2: the access token takes the password's place");
            assertThatThrownBy(() -> parse("targets", "tcp://mx:25", "starttls", "no", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenFile", token.toString())).hasMessageContaining("would send access tokens to tcp://mx:25 unencrypted");
        } finally {
            java.nio.file.Files.delete(token);
        }
    }

    @Test
    void aTokenEndpointTakesEitherGrantAndIsSharedByEqualConfigurations() throws Exception {
        Path secret = java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("secret", ""), "s");
        Path refresh = java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("refresh", ""), "r");
        try {
            String[] clientCredentials = {"targets", "tcp://smtp.office365.com:587", "auth", "xoauth2", "authUsername", "relay@example.com",
                "oauthTokenEndpoint", "https://login.microsoftonline.com/tenant/oauth2/v2.0/token", "oauthClientId", "app",
                "oauthClientSecretFile", secret.toString(), "oauthScope", "https://outlook.office365.com/.default"};
            AccessTokens tokens = parse(clientCredentials).sender().oauth().orElseThrow().tokens();
            assertThat(tokens).isInstanceOf(TokenEndpoint.class).hasToString("client_credentials grant at "
                + "https://login.microsoftonline.com/tenant/oauth2/v2.0/token");
            assertThat(parse(clientCredentials).sender().oauth().orElseThrow().tokens()).as("one cache per endpoint configuration").isSameAs(tokens);
            assertThat(parse("targets", "tls://smtp.gmail.com:465", "auth", "oauthbearer", "authUsername", "relay@example.com",
                "oauthTokenEndpoint", "https://oauth2.googleapis.com/token", "oauthClientId", "app", "oauthRefreshTokenFile", refresh.toString())
                .sender().oauth().orElseThrow().tokens()).hasToString("refresh_token grant at https://oauth2.googleapis.com/token");
            for (String loopback : List.of("http://127.0.0.1:8080/token", "http://localhost/token", "http://[::1]:9/token", "HTTP://127.0.0.2/t")) {
                assertThat(parse("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com", "oauthTokenEndpoint", loopback,
                    "oauthClientId", "app", "oauthClientSecretFile", secret.toString()).sender().oauth()).as(loopback).isPresent();
            }
        } finally {
            java.nio.file.Files.delete(secret);
            java.nio.file.Files.delete(refresh);
        }
    }

    private static Map<String, String> endpoint(String url) {
        return Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com", "oauthTokenEndpoint", url,
            "oauthClientId", "c", "oauthClientSecretFile", "/etc/hostname");
    }

    @Test
    void limitsAreRead() throws Exception {
        assertThat(parse("targets", "tcp://mx:25", "maxMessagesPerMinute", "30", "maxRecipientsPerMessage", "100").sender().limits())
            .isEqualTo(new SendLimits(30, 100));
    }

    @Test
    void xforwardIsOnUnlessTurnedOff() throws Exception {
        assertThat(parse("targets", "tcp://mx:25").sender().xforward()).isTrue();
        assertThat(parse("targets", "tcp://mx:25", "xforward", "no").sender().xforward()).isFalse();
    }

    @Test
    void retryDelaysAndTheHoldLimitAreRead() throws Exception {
        DeliverySettings delivery = parse("targets", "tcp://mx:25", "retryDelays", "Wait-Queues", "retryHoldLimit", "20m").delivery();
        assertThat(delivery.retryDelays()).isEqualTo(DeliverySettings.RetryDelays.WAIT_QUEUES);
        assertThat(delivery.retryHoldLimit()).isEqualTo(Duration.ofMinutes(20));
        assertThat(parse("targets", "tcp://mx:25", "retryDelays", "queue").delivery().retryDelays()).isEqualTo(DeliverySettings.RetryDelays.QUEUE);
    }

    @Test
    void credentialsRetentionIsReadWithAuthForward() throws Exception {
        assertThat(parse("targets", "tcp://mx:25", "auth", "forward", "credentialsRetention", "2h").delivery().credentialsRetention())
            .isEqualTo(Duration.ofHours(2));
        assertThat(parse("targets", "tcp://mx:25", "auth", "forward", "delayTime", "1m", "maxRetries", "2").delivery()
            .credentialsRetention()).isEqualTo(Duration.ofMinutes(64));
    }

    @Test
    void allowSenderRoutingIsReadAndWarnedAbout() throws Exception {
        ForwardConfig config = parse("targets", "tcp://mx:25", "allowSenderRouting", "yes");

        assertThat(config.sender().allowSenderRouting()).isTrue();
        assertThat(config.warnings()).singleElement().asString().contains("allowSenderRouting is on");
        assertThat(parse("targets", "tcp://mx:25", "allowSenderRouting", "no").sender().allowSenderRouting()).isFalse();
    }

    @Test
    void connectionSettingsAreRead() throws Exception {
        ConnectionSettings connections = parse("targets", "tcp://mx:25", "reuseConnections", "no", "maxConnections", "3",
            "connectionIdleTimeout", "10s", "connectionMaxAge", "2m", "connectionMaxMessages", "50", "endpointBackoff", "off",
            "pipelining", "off", "chunking", "auto").sender().connections();

        assertThat(connections).isEqualTo(new ConnectionSettings(false, 3, Duration.ofSeconds(10), Duration.ofMinutes(2), 50,
            Duration.ZERO, false, true));
        assertThat(parse("targets", "tcp://mx:25", "endpointBackoff", "1m").sender().connections().endpointBackoff())
            .isEqualTo(Duration.ofMinutes(1));
        assertThat(parse("targets", "tcp://mx:25", "connectionWaitTimeout", "10s").sender().connections().waitTimeout())
            .isEqualTo(Duration.ofSeconds(10));
        assertThat(parse("targets", "tcp://mx:25", "connectTimeout", "45s").sender().connections().waitTimeout())
            .as("a queued delivery waits for a session as long as connecting may take").isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void inlineTakesIdleAndMaddysYesNoSpellingsWithItsBound() throws Exception {
        DeliverySettings idle = parse("targets", "tcp://mx:25", "inline", "IDLE", "inlineThreads", "3").delivery();
        assertThat(idle.inline()).isEqualTo(DeliverySettings.Inline.IDLE);
        assertThat(idle.inlineThreads()).hasValue(3);
        assertThat(parse("targets", "tcp://mx:25", "inline", "on").delivery().inline()).isEqualTo(DeliverySettings.Inline.YES);
        assertThat(parse("targets", "tcp://mx:25", "inline", "").delivery().inline()).isEqualTo(DeliverySettings.Inline.YES);
        assertThat(parse("targets", "tcp://mx:25", "inline", "0").delivery().inline()).isEqualTo(DeliverySettings.Inline.NO);
        assertThat(parse("targets", "tcp://mx:25", "inline", "yes").delivery().inlineThreads()).isEmpty();
        assertThat(parse("targets", "tcp://mx:25", "inlineThreads", "2").delivery().inlineThreads()).as("bounds the default, idle").hasValue(2);
    }

    @Test
    void deliverySettingsAreRead() throws Exception {
        DeliverySettings delivery = parse("targets", "tcp://mx:25", "outgoingQueue", "relay-out", "deliveryThreads", "16",
            "inline", "yes", "delayTime", "30s, 2*5 minutes", "maxRetries", "10", "bounceProcessor", "bounces").delivery();

        assertThat(delivery.outgoingQueue()).isEqualTo("relay-out");
        assertThat(delivery.deliveryThreads()).isEqualTo(16);
        assertThat(delivery.inline()).isEqualTo(DeliverySettings.Inline.YES);
        assertThat(delivery.schedule().delays()).containsExactly(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5));
        assertThat(delivery.maxRetries()).isEqualTo(10);
        assertThat(delivery.bounceProcessor()).contains("bounces");
        // past the end of the schedule, its last delay repeats
        assertThat(delivery.schedule().delayBefore(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(delivery.schedule().delayBefore(3)).isEqualTo(Duration.ofMinutes(5));
        assertThat(delivery.schedule().delayBefore(9)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void lmtpHasStarttlsOffByDefault() throws Exception {
        assertThat(parse("protocol", "lmtp", "targets", "unix:///run/dovecot/lmtp").sender().starttls()).isFalse();
        assertThat(parse("protocol", "LMTP", "targets", "tcp://127.0.0.1:24", "starttls", "yes").sender().starttls()).isTrue();
    }

    @Test
    void credentialsGoUnencryptedOnlyWhereTheOperatorSaidSoAndInitSaysWhere() throws Exception {
        ForwardConfig allowed = parse("protocol", "lmtp", "targets", "tcp://127.0.0.1:24 unix:///run/lmtp tls://mx:465", "auth", "plain",
            "authUsername", "u", "authPassword", "p", "allowPlaintextCredentials", "yes");
        assertThat(allowed.warnings()).singleElement().asString()
            .isEqualTo("auth plain sends passwords to tcp://127.0.0.1:24 unencrypted, because starttls is off (allowPlaintextCredentials yes)");
        // a unix socket never leaves the host; tls:// and STARTTLS encrypt
        assertThat(parse("protocol", "lmtp", "targets", "unix:///run/lmtp", "auth", "forward").warnings()).isEmpty();
        assertThat(parse("protocol", "lmtp", "targets", "tcp://127.0.0.1:24", "starttls", "yes", "auth", "forward").warnings()).isEmpty();
    }

    @Test
    void everySettingIsRead() throws Exception {
        ForwardConfig config = parse(
            "targets", "tcp://a.example:25, tls://b.example:465  unix:///run/x.sock",
            "starttls", "false", "allowPlaintextCredentials", "yes",
            "auth", "plain", "authUsername", "relay", "authPassword", "secret",
            "tlsRootCa", "/etc/ca.pem", "tlsCert", "/etc/c.pem", "tlsKey", "/etc/k.pem",
            "tlsProtocols", "tls1.2 tls1.3", "tlsCiphers", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384", "tlsCurves", "X25519 p256",
            "connectTimeout", "90s", "commandTimeout", "1h30m", "submissionTimeout", "15 minutes",
            "debug", "yes", "heloName", "mx1.example.org", "errorProcessor", "relay-failures");
        SenderSettings sender = config.sender();

        assertThat(sender.endpoints()).extracting(Endpoint::toString).containsExactly("tcp://a.example:25", "tls://b.example:465", "unix:///run/x.sock");
        assertThat(sender.starttls()).isFalse();
        assertThat(sender.configuredCredentials()).contains(new Credentials("relay", "secret"));
        assertThat(sender.tls().rootCa()).contains(Path.of("/etc/ca.pem"));
        assertThat(sender.tls().certificate()).contains(Path.of("/etc/c.pem"));
        assertThat(sender.tls().key()).contains(Path.of("/etc/k.pem"));
        assertThat(sender.tls().protocols()).containsExactly("tls1.2", "tls1.3");
        assertThat(sender.tls().ciphers()).containsExactly("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
        assertThat(sender.tls().curves()).containsExactly("X25519", "p256");
        assertThat(sender.timeouts()).isEqualTo(new Timeouts(Duration.ofSeconds(90), Duration.ofMinutes(90), Duration.ofMinutes(15)));
        assertThat(sender.dialogue()).isEqualTo(DialogueLogging.ON);
        assertThat(sender.heloName()).isEqualTo("mx1.example.org");
        assertThat(config.errorProcessor()).isEqualTo("relay-failures");
        assertThat(config.warnings()).anyMatch(w -> w.contains("unencrypted") && w.contains("tcp://a.example:25"));
    }

    @Test
    void maddySpellingsAreAccepted() throws Exception {
        ForwardConfig config = parse(
            "targets", "tls://b.example:465",
            "auth", "plain relay secret",
            "root_ca", "/etc/ca.pem", "tls_cert", "/etc/c.pem", "key", "/etc/k.pem",
            "protocols", "tls1.3", "ciphers", "TLS_AES_128_GCM_SHA256", "curves", "X25519",
            "connect_timeout", "1m", "command_timeout", "2m", "submission_timeout", "3m",
            "hostname", "mx.example.org");
        SenderSettings sender = config.sender();

        assertThat(sender.configuredCredentials()).contains(new Credentials("relay", "secret"));
        assertThat(sender.tls().rootCa()).contains(Path.of("/etc/ca.pem"));
        assertThat(sender.tls().certificate()).contains(Path.of("/etc/c.pem"));
        assertThat(sender.tls().key()).contains(Path.of("/etc/k.pem"));
        assertThat(sender.tls().protocols()).containsExactly("tls1.3");
        assertThat(sender.timeouts()).isEqualTo(new Timeouts(Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(3)));
        assertThat(sender.heloName()).isEqualTo("mx.example.org");
    }

    @Test
    void deprecatedParametersWarnOnce() throws Exception {
        ForwardConfig config = parse("targets", "tcp://a.example:25", "attempt_starttls", "false", "require_tls", "yes");

        assertThat(config.sender().starttls()).isFalse();
        assertThat(config.warnings()).hasSize(2);
        assertThat(config.warnings().get(0)).contains("attempt_starttls is deprecated").contains("starttls");
        assertThat(config.warnings().get(1)).contains("require_tls is deprecated and ignored");

        ForwardConfig camel = parse("targets", "tcp://a.example:25", "attemptStarttls", "true");
        assertThat(camel.sender().starttls()).isTrue();
        assertThat(camel.warnings()).singleElement().asString().contains("attemptStarttls is deprecated");
    }

    @Test
    void externalAndForwardModes() throws Exception {
        assertThat(parse("targets", "tls://b.example:465", "auth", "external", "tlsCert", "/c.pem", "tlsKey", "/k.pem").sender().auth())
            .isEqualTo(AuthMode.EXTERNAL);
        ForwardConfig forward = parse("targets", "tcp://b.example:587", "auth", "forward");
        assertThat(forward.sender().auth()).isEqualTo(AuthMode.FORWARD);
        assertThat(forward.sender().configuredCredentials()).isEmpty();
        assertThat(forward.warnings()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "5m|PT5M", "90s|PT1M30S", "1h30m|PT1H30M", "250ms|PT0.25S", "1.5s|PT1.5S",
        "5 minutes|PT5M", "1 hour|PT1H", "30 seconds|PT30S", "2 days|PT48H", "10ms|PT0.01S", "7 MINUTES|PT7M"})
    void durationsInBothForms(String written, String expected) {
        assertThat(DurationValue.parse(written)).isEqualTo(Duration.parse(expected));
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
            bad("targets missing", Map.of("protocol", "smtp"), "targets: required"),
            bad("auth plain over tcp without starttls", Map.of("targets", "tcp://mx:25", "starttls", "no", "auth", "plain",
                "authUsername", "u", "authPassword", "p"), "auth: auth plain would send passwords to tcp://mx:25 unencrypted, because"
                + " starttls is off: use tls://, or starttls yes, or accept the risk with allowPlaintextCredentials yes"),
            bad("auth forward over lmtp, whose starttls is off by default", Map.of("protocol", "lmtp", "targets", "tcp://127.0.0.1:24",
                "auth", "forward"), "auth: auth forward would send passwords to tcp://127.0.0.1:24 unencrypted"),
            bad("auth login over lmtp", Map.of("protocol", "lmtp", "targets", "tcp://127.0.0.1:24", "auth", "login",
                "authUsername", "u", "authPassword", "p", "allowPlaintextCredentials", "no"), "accept the risk with allowPlaintextCredentials yes"),
            bad("allowPlaintextCredentials", Map.of("targets", "tcp://mx:25", "allowPlaintextCredentials", "perhaps"),
                "allowPlaintextCredentials: 'perhaps' is not a yes/no value"),
            bad("targets empty", Map.of("targets", " , "), "targets: required"),
            bad("targets without scheme", Map.of("targets", "mx.example.com:25"), "targets: 'mx.example.com:25' has no supported scheme"),
            bad("targets smtp scheme", Map.of("targets", "smtp://mx:25"), "targets: 'smtp://mx:25' has no supported scheme"),
            bad("targets without port", Map.of("targets", "tcp://mx"), "targets: 'tcp://mx' needs a port"),
            bad("targets port zero", Map.of("targets", "tcp://mx:0"), "targets: 'tcp://mx:0' needs a port"),
            bad("second target bad", Map.of("targets", "tcp://mx:25 tcp://mx2"), "targets: 'tcp://mx2' needs a port"),
            bad("protocol", Map.of("targets", "tcp://mx:25", "protocol", "esmtp"), "protocol: 'esmtp' is neither smtp nor lmtp"),
            bad("starttls", Map.of("targets", "tcp://mx:25", "starttls", "maybe"), "starttls: 'maybe' is not a yes/no value"),
            bad("attempt_starttls", Map.of("targets", "tcp://mx:25", "attempt_starttls", "2"), "attempt_starttls: '2' is not a yes/no value"),
            bad("debug", Map.of("targets", "tcp://mx:25", "debug", "verbose"), "debug: 'verbose' is not a yes/no value"),
            bad("auth mode", Map.of("targets", "tcp://mx:25", "auth", "cram-md5"), "auth: 'cram-md5' is not an auth mode: use off, plain, login, forward, external, xoauth2 or oauthbearer"),
            bad("login without password", Map.of("targets", "tcp://mx:25", "auth", "login", "authUsername", "x"), "authPassword: required with auth login"),
            bad("auth extra words", Map.of("targets", "tcp://mx:25", "auth", "forward please"), "auth: takes one word"),
            bad("auth plain one word", Map.of("targets", "tcp://mx:25", "auth", "plain onlyuser"), "auth: takes one word"),
            bad("plain without username", Map.of("targets", "tcp://mx:25", "auth", "plain", "authPassword", "x"), "authUsername: required with auth plain"),
            bad("plain without password", Map.of("targets", "tcp://mx:25", "auth", "plain", "authUsername", "x"), "authPassword: required with auth plain"),
            bad("plain empty password", Map.of("targets", "tcp://mx:25", "auth", "plain", "authUsername", "x", "authPassword", ""), "authPassword: required with auth plain"),
            bad("plain credentials twice", Map.of("targets", "tcp://mx:25", "auth", "plain u p", "authUsername", "x"), "auth: gives the credentials inline"),
            bad("username without plain", Map.of("targets", "tcp://mx:25", "authUsername", "x"), "authUsername: is only used with auth plain or login, and auth is off"),
            bad("password with forward", Map.of("targets", "tcp://mx:25", "auth", "forward", "authPassword", "x"), "authPassword: is only used with auth plain or login, and auth is forward"),
            bad("external over unix", Map.of("targets", "unix:///run/s", "auth", "external", "tlsCert", "/c", "tlsKey", "/k"), "auth: external needs TLS, and unix:///run/s"),
            bad("external without starttls", Map.of("targets", "tcp://mx:25", "starttls", "no", "auth", "external", "tlsCert", "/c", "tlsKey", "/k"), "auth: external needs TLS, and tcp://mx:25"),
            bad("connect timeout number", Map.of("targets", "tcp://mx:25", "connectTimeout", "30000"), "connectTimeout: '30000' is not a duration"),
            bad("command timeout unit", Map.of("targets", "tcp://mx:25", "command_timeout", "5 fortnights"), "command_timeout: '5 fortnights' is not a duration"),
            bad("submission timeout zero", Map.of("targets", "tcp://mx:25", "submissionTimeout", "0s"), "submissionTimeout: '0s' must be longer than zero"),
            bad("submission timeout negative", Map.of("targets", "tcp://mx:25", "submissionTimeout", "-5m"), "submissionTimeout: '-5m' is not a duration"),
            bad("helo name", Map.of("targets", "tcp://mx:25", "heloName", "mx example"), "heloName: 'mx example' is not a host name"),
            bad("helo name alias", Map.of("targets", "tcp://mx:25", "hostname", "-bad-"), "hostname: '-bad-' is not a host name"),
            bad("error processor empty", Map.of("targets", "tcp://mx:25", "errorProcessor", " "), "errorProcessor: must name a processor"),
            bad("root ca empty", Map.of("targets", "tcp://mx:25", "tlsRootCa", ""), "tlsRootCa: is empty"),
            bad("unknown parameter", Map.of("targets", "tcp://mx:25", "gateway", "mx"), "gateway: unknown parameter; known parameters are protocol, targets"),
            bad("same parameter twice", Map.of("targets", "tcp://mx:25", "connectTimeout", "1m", "connect_timeout", "2m"), "given twice, also as"),
            bad("delay time empty entry", Map.of("targets", "tcp://mx:25", "delayTime", "5m,,10m"), "delayTime: '5m,,10m' has an empty entry"),
            bad("delay time bad repeat", Map.of("targets", "tcp://mx:25", "delayTime", "0*5m"), "delayTime: '0*5m' must repeat a delay 1 to 1000 times"),
            bad("delay time bad duration", Map.of("targets", "tcp://mx:25", "delayTime", "5 eons"), "delayTime: '5 eons' is not a duration"),
            bad("max retries negative", Map.of("targets", "tcp://mx:25", "maxRetries", "-1"), "maxRetries: '-1' is not a whole number from 0 to 1000"),
            bad("delivery threads word", Map.of("targets", "tcp://mx:25", "deliveryThreads", "many"), "deliveryThreads: 'many' is not a whole number"),
            bad("inline", Map.of("targets", "tcp://mx:25", "inline", "sometimes"), "inline: 'sometimes' is none of no, idle, yes"),
            bad("failover", Map.of("targets", "tcp://mx:25", "failover", "4xx"), "failover: '4xx' is neither connection nor temporary"),
            bad("oauth without user", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "oauthTokenFile", "/etc/hostname"),
                "authUsername: required with auth xoauth2"),
            bad("oauth without token", Map.of("targets", "tls://mx:465", "auth", "oauthbearer", "authUsername", "u@example.com"),
                "oauthTokenEndpoint: required with auth oauthbearer, or oauthTokenFile: where the access tokens come from"),
            bad("two token sources", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenFile", "/etc/hostname", "oauthTokenEndpoint", "https://login.example.com/token"),
                "oauthTokenEndpoint: is for a token endpoint, and oauthTokenFile gives the access token already: keep one token source"),
            bad("token file with a client id", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenFile", "/etc/hostname", "oauthClientId", "c"), "oauthClientId: is for a token endpoint"),
            bad("client id without endpoint", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthClientId", "c", "oauthClientSecretFile", "/etc/hostname"), "oauthTokenEndpoint: required with oauthClientId"),
            bad("token endpoint over http", endpoint("http://login.example.com/token"),
                "oauthTokenEndpoint: 'http://login.example.com/token' would send the client secret unencrypted: use https"),
            bad("token endpoint over http to a name", endpoint("http://127.0.0.1.example.com/token"), "would send the client secret unencrypted"),
            bad("token endpoint not a url", endpoint("https://login example/token"), "oauthTokenEndpoint: 'https://login example/token' is not a URL"),
            bad("token endpoint ftp", endpoint("ftp://login.example.com/token"), "is not an https URL with a host"),
            bad("token endpoint relative", endpoint("/oauth2/token"), "is not an https URL with a host"),
            bad("token endpoint with a user", endpoint("https://me:pw@login.example.com/token"), "oauthTokenEndpoint: must not carry a user or a fragment"),
            bad("token endpoint without client", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenEndpoint", "https://login.example.com/token", "oauthClientSecretFile", "/etc/hostname"),
                "oauthClientId: required with oauthTokenEndpoint"),
            bad("token endpoint without secret", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenEndpoint", "https://login.example.com/token", "oauthClientId", "c"),
                "oauthClientSecretFile: required with oauthTokenEndpoint unless oauthRefreshTokenFile is given (the client credentials grant)"),
            bad("token endpoint unreadable secret", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenEndpoint", "https://login.example.com/token", "oauthClientId", "c", "oauthClientSecretFile", "/nonexistent/secret"),
                "oauthClientSecretFile: '/nonexistent/secret' is not a file this process can read"),
            bad("token endpoint unreadable refresh token", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenEndpoint", "https://login.example.com/token", "oauthClientId", "c", "oauthRefreshTokenFile", ""),
                "oauthRefreshTokenFile: is empty: give the path of a file"),
            bad("token endpoint empty scope", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenEndpoint", "https://login.example.com/token", "oauthClientId", "c", "oauthClientSecretFile", "/etc/hostname",
                "oauthScope", ""), "oauthScope: is empty or holds control characters"),
            bad("scope with plain", Map.of("targets", "tls://mx:465", "auth", "plain", "authUsername", "u", "authPassword", "p",
                "oauthScope", "x"), "oauthScope: is only used with auth xoauth2 or oauthbearer, and auth is plain"),
            bad("oauth unreadable token", Map.of("targets", "tls://mx:465", "auth", "xoauth2", "authUsername", "u@example.com",
                "oauthTokenFile", "/nonexistent/token"), "oauthTokenFile: '/nonexistent/token' is not a file this process can read"),
            bad("token file with plain", Map.of("targets", "tls://mx:465", "auth", "plain", "authUsername", "u", "authPassword", "p",
                "oauthTokenFile", "/etc/hostname"), "oauthTokenFile: is only used with auth xoauth2 or oauthbearer, and auth is plain"),
            bad("rate zero", Map.of("targets", "tcp://mx:25", "maxMessagesPerMinute", "0"),
                "maxMessagesPerMinute: '0' is not a whole number from 1 to 1000000"),
            bad("rate words", Map.of("targets", "tcp://mx:25", "maxMessagesPerMinute", "30/min"),
                "maxMessagesPerMinute: '30/min' is not a whole number"),
            bad("recipients negative", Map.of("targets", "tcp://mx:25", "maxRecipientsPerMessage", "-1"),
                "maxRecipientsPerMessage: '-1' is not a whole number from 1 to 100000"),
            bad("failover empty", Map.of("targets", "tcp://mx:25", "failover", ""), "failover: '' is neither connection nor temporary"),
            bad("inline threads zero", Map.of("targets", "tcp://mx:25", "inline", "idle", "inlineThreads", "0"),
                "inlineThreads: '0' is not a whole number from 1 to 1000"),
            bad("inline threads word", Map.of("targets", "tcp://mx:25", "inline", "yes", "inlineThreads", "half"),
                "inlineThreads: 'half' is not a whole number from 1 to 1000"),
            bad("inline threads with inline no", Map.of("targets", "tcp://mx:25", "inline", "no", "inlineThreads", "2"),
                "inlineThreads: bounds the spool threads attempting inline, and inline is no"),
            bad("bounce processor empty", Map.of("targets", "tcp://mx:25", "bounceProcessor", ""), "bounceProcessor: must name a processor"),
            bad("queue name", Map.of("targets", "tcp://mx:25", "outgoingQueue", "a/b"), "outgoingQueue: 'a/b' is not a queue name"),
            bad("reuse", Map.of("targets", "tcp://mx:25", "reuseConnections", "often"), "reuseConnections: 'often' is not a yes/no value"),
            bad("max connections", Map.of("targets", "tcp://mx:25", "maxConnections", "0"), "maxConnections: '0' is not a whole number from 1"),
            bad("idle timeout", Map.of("targets", "tcp://mx:25", "connectionIdleTimeout", "30"), "connectionIdleTimeout: '30' is not a duration"),
            bad("max age", Map.of("targets", "tcp://mx:25", "connectionMaxAge", "0s"), "connectionMaxAge: '0s' must be longer than zero"),
            bad("max messages", Map.of("targets", "tcp://mx:25", "connectionMaxMessages", "lots"), "connectionMaxMessages: 'lots' is not a whole number"),
            bad("backoff", Map.of("targets", "tcp://mx:25", "endpointBackoff", "soon"), "endpointBackoff: 'soon' is not a duration"),
            bad("pipelining", Map.of("targets", "tcp://mx:25", "pipelining", "always"), "pipelining: 'always' is neither auto nor off"),
            bad("chunking", Map.of("targets", "tcp://mx:25", "chunking", "maybe"), "chunking: 'maybe' is neither auto nor off"),
            bad("retention without auth forward", Map.of("targets", "tcp://mx:25", "credentialsRetention", "1h"),
                "credentialsRetention: is only used with auth forward, and auth is off"),
            bad("retention", Map.of("targets", "tcp://mx:25", "auth", "forward", "credentialsRetention", "long"),
                "credentialsRetention: 'long' is not a duration"),
            bad("key file without auth forward", Map.of("targets", "tcp://mx:25", "credentialsKeyFile", "/etc/james/forward.key"),
                "credentialsKeyFile: is only used with auth forward, and auth is off"),
            bad("retry delays", Map.of("targets", "tcp://mx:25", "retryDelays", "rabbit"),
                "retryDelays: 'rabbit' is none of auto, queue, wait-queues"),
            bad("hold limit", Map.of("targets", "tcp://mx:25", "retryHoldLimit", "0s"),
                "retryHoldLimit: '0s' must be longer than zero"),
            bad("sender routing", Map.of("targets", "tcp://mx:25", "allowSenderRouting", "sometimes"),
                "allowSenderRouting: 'sometimes' is not a yes/no value"));
    }

    private static Arguments bad(String name, Map<String, String> parameters, String message) {
        return Arguments.of(name, parameters, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void badValuesNameTheParameterAndValue(String name, Map<String, String> parameters, String message) {
        assertThatThrownBy(() -> ForwardConfigParser.parse(new HashMap<>(parameters), "relay.example.com"))
            .isInstanceOf(InvalidConfigurationException.class)
            .hasMessageContaining(message);
    }

    @Test
    void everyParameterHasADistinctName() {
        List<String> names = Stream.of(Parameter.values()).flatMap(p -> Stream.concat(Stream.of(p.parameterName()), p.aliases().stream())).toList();
        assertThat(names).doesNotHaveDuplicates();
        assertThat(Optional.ofNullable(Parameter.named("tls_root_ca"))).contains(Parameter.TLS_ROOT_CA);
    }
}
