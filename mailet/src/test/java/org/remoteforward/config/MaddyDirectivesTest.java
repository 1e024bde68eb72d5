package org.remoteforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remoteforward.sender.AuthMode;
import org.remoteforward.sender.Credentials;
import org.remoteforward.sender.DialogueLogging;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.InvalidTlsSettingException;
import org.remoteforward.sender.TlsSettings;

/**
 * Every directive of maddy's {@code target.smtp}, {@code target.lmtp} and {@code tls_client { }}
 * (maddy 0.9), written as maddy writes it, and what it means here: maddy's meaning.
 */
class MaddyDirectivesTest {
    /** One directive (or a few that go together), as a maddy user writes them, and what must follow. */
    private static Arguments row(String written, Consumer<ForwardConfig> check, String... pairs) {
        return Arguments.of(written, params(pairs), check);
    }

    private static Map<String, String> params(String... pairs) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("targets", "tcp://mx.example.com:25");
        for (int i = 0; i < pairs.length; i += 2) {
            parameters.put(pairs[i], pairs[i + 1]);
        }
        return parameters;
    }

    static Stream<Arguments> directives() {
        Path cwd = Path.of("").toAbsolutePath();
        return Stream.of(
            row("debug (a bare flag)", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.ON), "debug", ""),
            row("debug yes", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.ON), "debug", "yes"),
            row("debug true", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.ON), "debug", "true"),
            row("debug on", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.ON), "debug", "on"),
            row("debug 1", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.ON), "debug", "1"),
            row("debug no", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.OFF), "debug", "no"),
            row("debug false", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.OFF), "debug", "false"),
            row("debug off", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.OFF), "debug", "off"),
            row("debug 0", c -> assertThat(c.sender().dialogue()).isEqualTo(DialogueLogging.OFF), "debug", "0"),
            row("starttls yes", c -> assertThat(c.sender().starttls()).isTrue(), "starttls", "yes"),
            row("starttls no", c -> assertThat(c.sender().starttls()).isFalse(), "starttls", "no"),
            row("starttls (bare)", c -> assertThat(c.sender().starttls()).isTrue(), "protocol", "lmtp", "starttls", ""),
            row("attempt_starttls no", c -> {
                assertThat(c.sender().starttls()).isFalse();
                assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("attempt_starttls is deprecated"));
            }, "attempt_starttls", "no"),
            row("attempt_starttls with starttls: attempt_starttls wins", c -> {
                assertThat(c.sender().starttls()).isFalse();
                assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("attempt_starttls wins"));
            }, "starttls", "yes", "attempt_starttls", "no"),
            row("require_tls yes", c -> assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("require_tls is deprecated and ignored")),
                "require_tls", "yes"),
            row("auth off", c -> assertThat(c.sender().auth()).isEqualTo(AuthMode.OFF), "auth", "off"),
            row("auth plain USER PASS", c -> {
                assertThat(c.sender().auth()).isEqualTo(AuthMode.PLAIN);
                assertThat(c.sender().configuredCredentials()).contains(new Credentials("user", "pass"));
            }, "auth", "plain user pass"),
            row("auth login USER PASS", c -> {
                assertThat(c.sender().auth()).isEqualTo(AuthMode.LOGIN);
                assertThat(c.sender().configuredCredentials()).contains(new Credentials("user", "pass"));
            }, "auth", "login user pass"),
            row("auth forward", c -> assertThat(c.sender().auth()).isEqualTo(AuthMode.FORWARD), "auth", "forward"),
            row("auth external with cert and key", c -> {
                assertThat(c.sender().auth()).isEqualTo(AuthMode.EXTERNAL);
                assertThat(c.warnings()).isEmpty();
            }, "auth", "external", "cert", "/etc/c.pem", "key", "/etc/k.pem"),
            row("auth external without a client certificate", c -> {
                assertThat(c.sender().auth()).isEqualTo(AuthMode.EXTERNAL);
                assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("auth external without a client certificate"));
            }, "auth", "external"),
            row("targets tcp:// tls://", c -> assertThat(c.sender().endpoints()).containsExactly(Endpoint.parse("tcp://a.example:25"),
                Endpoint.parse("tls://b.example:465")), "targets", "tcp://a.example:25 tls://b.example:465"),
            row("targets unix:///absolute", c -> assertThat(c.sender().endpoints().get(0).socketPath()).isEqualTo(Path.of("/run/dovecot/lmtp")),
                "protocol", "lmtp", "targets", "unix:///run/dovecot/lmtp"),
            row("targets unix://relative (resolved against James's working directory)", c -> {
                assertThat(c.sender().endpoints().get(0).socketPath()).isEqualTo(cwd.resolve("run/lmtp.sock"));
                assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("unix://run/lmtp.sock is relative")
                    .contains(cwd.resolve("run/lmtp.sock").toString()));
            }, "protocol", "lmtp", "targets", "unix://run/lmtp.sock"),
            row("connect_timeout 5m", c -> assertThat(c.sender().timeouts().connect()).isEqualTo(Duration.ofMinutes(5)), "connect_timeout", "5m"),
            row("command_timeout 1m30s", c -> assertThat(c.sender().timeouts().command()).isEqualTo(Duration.ofSeconds(90)),
                "command_timeout", "1m30s"),
            row("submission_timeout 12m", c -> assertThat(c.sender().timeouts().submission()).isEqualTo(Duration.ofMinutes(12)),
                "submission_timeout", "12m"),
            row("hostname (global)", c -> assertThat(c.sender().heloName()).isEqualTo("mx.example.org"), "hostname", "mx.example.org"),
            row("hostname, internationalised", c -> assertThat(c.sender().heloName()).isEqualTo("xn--e1aybc.invalid"), "hostname", "тест.invalid"),
            row("target.lmtp", c -> {
                assertThat(c.sender().protocol()).isEqualTo(org.remoteforward.sender.Protocol.LMTP);
                assertThat(c.sender().starttls()).as("maddy's default for lmtp").isFalse();
            }, "protocol", "lmtp"),
            row("tls_client { root_ca a.pem }", c -> assertThat(c.sender().tls().rootCa()).containsExactly(Path.of("/etc/a.pem")),
                "root_ca", "/etc/a.pem"),
            row("tls_client { root_ca a.pem b.pem }", c -> assertThat(c.sender().tls().rootCa()).containsExactly(Path.of("/etc/a.pem"),
                Path.of("/etc/b.pem")), "root_ca", "/etc/a.pem /etc/b.pem"),
            row("tls_client { cert c.pem  key k.pem }", c -> {
                TlsSettings tls = c.sender().tls();
                assertThat(tls.certificate()).contains(Path.of("/etc/c.pem"));
                assertThat(tls.key()).contains(Path.of("/etc/k.pem"));
            }, "cert", "/etc/c.pem", "key", "/etc/k.pem"),
            row("tls_client { protocols tls1.2 tls1.3 }", c -> assertThat(c.sender().tls().protocols()).containsExactly("tls1.2", "tls1.3"),
                "protocols", "tls1.2 tls1.3"),
            row("tls_client { protocols tls1.3 }", c -> assertThat(c.sender().tls().protocols()).containsExactly("tls1.3"), "protocols", "tls1.3"),
            row("tls_client { ciphers (maddy's names) }", c -> assertThat(c.sender().tls().ciphers())
                .containsExactly("ECDHE-RSA-WITH-AES128-GCM-SHA256", "ECDHE-ECDSA-WITH-CHACHA20-POLY1305"),
                "ciphers", "ECDHE-RSA-WITH-AES128-GCM-SHA256 ECDHE-ECDSA-WITH-CHACHA20-POLY1305"),
            row("tls_client { curves p256 p384 p521 X25519 }", c -> assertThat(c.sender().tls().curves()).containsExactly("p256", "p384", "p521",
                "X25519"), "curves", "p256 p384 p521 X25519"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directives")
    void aMaddyDirectiveMeansWhatItMeansInMaddy(String written, Map<String, String> parameters, Consumer<ForwardConfig> check) throws Exception {
        check.accept(ForwardConfigParser.parse(parameters, "relay.example.com"));
    }

    @Test
    void maddysCipherNamesAreTheSuitesTheyMeanAndOneWithNoSuiteIsNamedInTheError() throws Exception {
        for (String maddy : List.of("ECDHE-RSA-WITH-AES128-GCM-SHA256", "ECDHE-RSA-WITH-AES256-GCM-SHA384", "ECDHE-ECDSA-WITH-AES128-GCM-SHA256",
            "ECDHE-RSA-WITH-CHACHA20-POLY1305", "ECDHE-ECDSA-WITH-CHACHA20-POLY1305", "RSA-WITH-AES128-GCM-SHA256")) {
            ForwardConfig config = ForwardConfigParser.parse(params("ciphers", maddy), "relay.example.com");
            DownstreamSender.create(config.sender()).close();
        }
        ForwardConfig unknown = ForwardConfigParser.parse(params("ciphers", "ECDHE-RSA-WITH-AES128-GCM-SHA256 ECDHE-RSA-WITH-NOTHING"),
            "relay.example.com");
        assertThatThrownBy(() -> DownstreamSender.create(unknown.sender())).isInstanceOf(InvalidTlsSettingException.class)
            .hasMessageContaining("'ECDHE-RSA-WITH-NOTHING' is not a cipher suite");
        ForwardConfig rc4 = ForwardConfigParser.parse(params("ciphers", "RSA-WITH-RC4128-SHA"), "relay.example.com");
        assertThatThrownBy(() -> DownstreamSender.create(rc4.sender())).hasMessageContaining("'RSA-WITH-RC4128-SHA' (maddy's name for"
            + " TLS_RSA_WITH_RC4_128_SHA) is not a cipher suite this JVM supports");
    }

    @Test
    void aHostnameThatIsNoNameEvenAsAnALabelIsRefused() {
        assertThatThrownBy(() -> ForwardConfigParser.parse(params("hostname", "a..b"), "relay.example.com"))
            .hasMessageContaining("hostname: 'a..b' is not a host name");
    }
}
