package org.remoteforward.config.maddy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.remoteforward.config.maddy.MaddyConfig.SyntaxException;

/** maddy's documented examples of target.smtp and target.lmtp, and what cannot carry over. */
class MaddyConverterTest {
    private static Map<String, String> only(String config) throws SyntaxException {
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(config);
        assertThat(fragments).hasSize(1);
        return fragments.get(0).parameters();
    }

    @Test
    void theOneLinerOfMaddysTargetsSmtpPage() throws Exception {
        assertThat(only("deliver_to smtp tcp://127.0.0.1:5353\n")).containsExactly(Map.entry("protocol", "smtp"),
            Map.entry("targets", "tcp://127.0.0.1:5353"));
    }

    @Test
    void theReferenceBlockOfMaddysTargetsSmtpPageWithEveryDirectiveAndATlsClient() throws Exception {
        String config = String.join("\n",
            "target.smtp {",
            "    debug no",
            "    tls_client {",
            "        root_ca /etc/ssl/a.pem /etc/ssl/b.pem",
            "        cert /etc/ssl/client.pem",
            "        key /etc/ssl/client.key",
            "        protocols tls1.2 tls1.3",
            "        ciphers ECDHE-RSA-WITH-AES128-GCM-SHA256 ECDHE-RSA-WITH-AES256-GCM-SHA384",
            "        curves p256 X25519",
            "    }",
            "    attempt_starttls yes",
            "    require_tls no",
            "    auth off",
            "    targets tcp://127.0.0.1:2525",
            "    connect_timeout 5m",
            "    command_timeout 5m",
            "    submission_timeout 12m",
            "}", "");
        assertThat(only(config)).containsExactly(
            Map.entry("protocol", "smtp"),
            Map.entry("debug", "no"),
            Map.entry("tlsRootCa", "/etc/ssl/a.pem /etc/ssl/b.pem"),
            Map.entry("tlsCert", "/etc/ssl/client.pem"),
            Map.entry("tlsKey", "/etc/ssl/client.key"),
            Map.entry("tlsProtocols", "tls1.2 tls1.3"),
            Map.entry("tlsCiphers", "ECDHE-RSA-WITH-AES128-GCM-SHA256 ECDHE-RSA-WITH-AES256-GCM-SHA384"),
            Map.entry("tlsCurves", "p256 X25519"),
            Map.entry("attemptStarttls", "yes"),
            Map.entry("requireTls", "no"),
            Map.entry("auth", "off"),
            Map.entry("targets", "tcp://127.0.0.1:2525"),
            Map.entry("connectTimeout", "5m"),
            Map.entry("commandTimeout", "5m"),
            Map.entry("submissionTimeout", "12m"));
    }

    @Test
    void maddysDovecotExampleANamedLmtpBlockOverAUnixSocket() throws Exception {
        assertThat(only("target.lmtp local_mailboxes {\n    targets unix:///var/run/dovecot/lmtp-maddy\n}\n"))
            .containsExactly(Map.entry("protocol", "lmtp"), Map.entry("targets", "unix:///var/run/dovecot/lmtp-maddy"));
    }

    @Test
    void maddysMailmanExampleTheSameTargetInTwoDestinationsIsOneMailet() throws Exception {
        String config = String.join("\n",
            "msgpipeline local_routing {",
            "    destination_in regexp \"first-mailinglist(-(bounces\\\\+.*|confirm\\\\+.*|join|leave))?@lists.example.org\" {",
            "        deliver_to lmtp tcp://127.0.0.1:8024",
            "    }",
            "    destination_in regexp \"second-mailinglist(-(bounces\\\\+.*|confirm\\\\+.*|join|leave))?@lists.example.org\" {",
            "        deliver_to lmtp tcp://127.0.0.1:8024",
            "    }",
            "    ...",
            "}", "");
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(config);
        assertThat(fragments).singleElement().satisfies(fragment -> {
            assertThat(fragment.parameters()).containsExactly(Map.entry("protocol", "lmtp"), Map.entry("targets", "tcp://127.0.0.1:8024"));
            assertThat(fragment.origin()).contains("line 3").contains("line 6");
        });
    }

    @Test
    void maddysModulesExampleAmongOtherTargetsAndGlobalHostnameThroughAMacro() throws Exception {
        String config = String.join("\n",
            "$(hostname) = mx.example.org",
            "hostname $(hostname)",
            "smtp tcp://0.0.0.0:25 {",
            "    deliver_to dummy",
            "    # Deliver messages to the 'target.smtp' module with",
            "    # 'tcp://127.0.0.1:1125' argument as a configuration.",
            "    deliver_to smtp tcp://127.0.0.1:1125",
            "    deliver_to queue {",
            "        target ...",
            "        max_tries 10",
            "    }",
            "}",
            "target.smtp second {",
            "    targets tls://relay.example.net:465",
            "    auth login relay \"pass word\"",
            "}", "");
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(config);
        assertThat(fragments).hasSize(2);
        assertThat(fragments.get(0).parameters()).containsExactly(Map.entry("protocol", "smtp"), Map.entry("heloName", "mx.example.org"),
            Map.entry("targets", "tcp://127.0.0.1:1125"), Map.entry("outgoingQueue", "remote-forward-1"));
        assertThat(fragments.get(1).parameters()).containsExactly(Map.entry("protocol", "smtp"), Map.entry("heloName", "mx.example.org"),
            Map.entry("targets", "tls://relay.example.net:465"), Map.entry("auth", "login"), Map.entry("authUsername", "relay"),
            Map.entry("authPassword", "pass word"),
            Map.entry("outgoingQueue", "remote-forward-2"));
        assertThat(fragments.get(1).origin()).isEqualTo("target.smtp second (line 13)");
    }

    @Test
    void aOneLinerWithABlockAndABareFlag() throws Exception {
        String xml = MaddyConverter.toXml(MaddyConverter.convert("deliver_to smtp tcp://127.0.0.1:5353 {\n  debug\n  starttls no\n}\n"));
        assertThat(xml).isEqualTo(String.join("\n",
            "<!-- from maddy's deliver_to smtp tcp://127.0.0.1:5353 (line 1) -->",
            "<mailet match=\"All\" class=\"org.remoteforward.mailet.RemoteForwardMailet\">",
            "    <protocol>smtp</protocol>",
            "    <targets>tcp://127.0.0.1:5353</targets>",
            "    <debug/>",
            "    <starttls>no</starttls>",
            "</mailet>", ""));
    }

    @Test
    void noNameOrValueCanEndTheOriginCommentOrInjectXml() throws Exception {
        String xml = MaddyConverter.toXml(MaddyConverter.convert(
            "target.smtp \"relay---><mailet match=\\\"All\\\" class=\\\"Null\\\"/><!--\" {\n  targets tcp://a.example:25\n"
                + "  auth plain u \"p--><&'\\\"x\"\n}\n"
                + "target.smtp relay--- {\n  targets tcp://b.example:25\n}\n"));
        // every comment is one comment: nothing of a name ends it, and none ends in '-' before its '-->'
        String comments = xml.replaceAll("(?s)<!--.*?-->", "");
        assertThat(comments).doesNotContain("<!--").doesNotContain("-->").doesNotContain("class=\"Null\"");
        for (String comment : xml.split("<!--")) {
            String body = comment.contains("-->") ? comment.substring(0, comment.indexOf("-->")) : "";
            assertThat(body).doesNotContain("--").doesNotEndWith("-");
        }
        assertThat(xml).contains("<authPassword>p--&gt;&lt;&amp;'\"x</authPassword>");
        // and the whole is well-formed XML James can read
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new java.io.ByteArrayInputStream(("<processor>" + xml + "</processor>").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void whatMaddysTargetInheritsFromTheTopLevelCarriesOverAndTheBlockStillWins() throws Exception {
        String config = String.join("\n",
            "debug",
            "tls_client {",
            "  root_ca /etc/ssl/private-ca.pem",
            "  protocols tls1.2 tls1.3",
            "}",
            "target.smtp inherits {",
            "  targets tcp://a.example:25",
            "}",
            "target.smtp own {",
            "  targets tcp://b.example:25",
            "  debug no",
            "  tls_client {",
            "    protocols tls1.3",
            "  }",
            "}", "");
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(config);
        assertThat(fragments.get(0).parameters()).containsEntry("tlsRootCa", "/etc/ssl/private-ca.pem")
            .containsEntry("tlsProtocols", "tls1.2 tls1.3").containsEntry("debug", "");
        assertThat(fragments.get(1).parameters()).containsEntry("tlsRootCa", "/etc/ssl/private-ca.pem")
            .containsEntry("tlsProtocols", "tls1.3").containsEntry("debug", "no");
    }

    @Test
    void aQueuesInlineTargetAliasesAndDeliverToTargetSmtpAreTargetsToo() throws Exception {
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(String.join("\n",
            "target.queue remote_queue {",
            "  target smtp tcp://queued.example:25 {",
            "    starttls no",
            "  }",
            "}",
            "target.smtp relay relay_alias {",
            "  targets tcp://relay.example:587",
            "}",
            "deliver_to target.lmtp tcp://127.0.0.1:24", ""));
        assertThat(fragments).extracting(MaddyConverter.Fragment::origin).containsExactly(
            "target smtp tcp://queued.example:25 (line 2)", "target.smtp relay relay_alias (line 6)",
            "deliver_to target.lmtp tcp://127.0.0.1:24 (line 9)");
        assertThat(fragments.get(0).parameters()).containsEntry("targets", "tcp://queued.example:25").containsEntry("starttls", "no");
        assertThat(fragments.get(2).parameters()).containsEntry("protocol", "lmtp");
    }

    @Test
    void targetsOfTheBlockComeBeforeThoseOfTheDeliverToLineAndAHostnameInTheBlockIsItsHeloName() throws Exception {
        assertThat(only("hostname mx.example.org\ndeliver_to smtp tcp://a.example:25 {\n  targets tcp://b.example:25\n"
            + "  hostname relay.example.org\n}\n"))
            .containsEntry("targets", "tcp://b.example:25 tcp://a.example:25").containsEntry("heloName", "relay.example.org");
    }

    @Test
    void relativeUnixSocketsAreMaddysRuntimeDirsAndSaySo() throws Exception {
        MaddyConverter.Fragment ownDir = MaddyConverter.convert("runtime_dir /var/run/maddy-test\ndeliver_to lmtp unix://lmtp.sock\n").get(0);
        assertThat(ownDir.parameters()).containsEntry("targets", "unix:///var/run/maddy-test/lmtp.sock");
        assertThat(ownDir.notes()).singleElement().asString().contains("relative to maddy's runtime_dir (/var/run/maddy-test)");
        assertThat(MaddyConverter.convert("deliver_to lmtp unix://lmtp.sock unix:///abs.sock\n").get(0).parameters())
            .containsEntry("targets", "unix:///run/maddy/lmtp.sock unix:///abs.sock");
        assertThat(MaddyConverter.toXml(List.of(ownDir))).contains("<!-- note: unix://lmtp.sock is relative");
    }

    @Test
    void curvesConvertWithANoteThatJamesBeforeJava20RefusesThem() throws Exception {
        MaddyConverter.Fragment fragment = MaddyConverter.convert(
            "target.smtp a {\n  targets tls://a.example:465\n  tls_client {\n    curves X25519 p256\n  }\n}\n").get(0);
        assertThat(fragment.notes()).singleElement().asString().contains("Java 20").contains("-Djdk.tls.namedGroups=X25519,p256");
    }

    @Test
    void environmentPlaceholdersAreLeftForJamesAndCheckedWithTheValueHere() throws Exception {
        Map<String, String> env = Map.of("RELAY", "relay.example.net", "RELAY_PASSWORD", "s3cret");
        List<MaddyConverter.Fragment> fragments = MaddyConverter.convert(
            "deliver_to smtp tcp://{env:RELAY}:587 {\n  auth plain relay {env:RELAY_PASSWORD}\n}\n", env::get);
        assertThat(fragments.get(0).parameters()).containsEntry("targets", "tcp://${env:RELAY}:587")
            .containsEntry("authPassword", "${env:RELAY_PASSWORD}");
        assertThat(MaddyConverter.toXml(fragments)).doesNotContain("s3cret").doesNotContain("relay.example.net");
        assertThatThrownBy(() -> MaddyConverter.convert("deliver_to smtp tcp://{env:UNSET_HERE}:25\n", name -> null))
            .isInstanceOf(SyntaxException.class).hasMessageContaining("line 1").hasMessageContaining("{env:UNSET_HERE}")
            .hasMessageContaining("not set");
    }

    @Test
    void macrosInsideArgumentsUndefinedMacrosAndContinuedLinesReadAsMaddyReadsThem() throws Exception {
        assertThat(only("$(relay_host) = relay.example.net\ndeliver_to smtp tcp://$(relay_host):25 $(nothing) tcp://b$(none).example:25\n"))
            .containsEntry("targets", "tcp://relay.example.net:25 tcp://b.example:25");
        assertThat(only("target.smtp a {\n  targets tcp://a.example:25 \\\n    tcp://b.example:25\n  starttls no\n}\n"))
            .containsEntry("targets", "tcp://a.example:25 tcp://b.example:25").containsEntry("starttls", "no");
        assertThatThrownBy(() -> MaddyConverter.convert("$(two) = a b\ndeliver_to smtp tcp://$(two):25\n"))
            .isInstanceOf(SyntaxException.class).hasMessageContaining("line 2").hasMessageContaining("several arguments");
    }

    @Test
    void textXmlCannotHoldIsRefusedNamingItsLine() {
        assertThatThrownBy(() -> MaddyConverter.convert("target.smtp a {\n  targets tcp://a.example:25\n  auth plain u \"p\u0001w\"\n}\n"))
            .isInstanceOf(SyntaxException.class).hasMessageContaining("line 3").hasMessageContaining("0x1").hasMessageContaining("XML");
        assertThatThrownBy(() -> MaddyConverter.convert("target.smtp a\u001b[2J {\n  targets tcp://a.example:25\n}\n"))
            .isInstanceOf(SyntaxException.class).hasMessageContaining("line 1").hasMessageContaining("XML");
    }

    @Test
    void aBackslashInAQuotedStringIsKeptUnlessItQuotesAQuote() throws Exception {
        // maddy's lexer: \" is a quote, any other backslash stays
        assertThat(only("target.smtp a {\n  targets tcp://a.example:25\n  auth plain u \"pa\\ss\\\"w\"\n}\n"))
            .containsEntry("authPassword", "pa\\ss\"w");
    }

    @Test
    void blocksNestedDeeperThanMaddyReadsAreRefusedWithoutAStackTrace() throws Exception {
        String deep = "a {\n".repeat(100_000) + "}\n".repeat(100_000);
        assertThatThrownBy(() -> MaddyConverter.convert(deep)).isInstanceOf(SyntaxException.class)
            .hasMessageContaining("line 257").hasMessageContaining("256");
        // maddy reads 256 levels
        assertThat(MaddyConverter.convert("a {\n".repeat(255) + "deliver_to smtp tcp://a:25\n" + "}\n".repeat(255))).hasSize(1);
    }

    @Test
    void inputThatIsNotAConfigurationTextIsOneLineAndExit2(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path latin1 = dir.resolve("latin1.conf");
        java.nio.file.Files.write(latin1, "# caf\u00e9\ndeliver_to smtp tcp://a:25\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        java.nio.file.Path binary = dir.resolve("binary.conf");
        java.nio.file.Files.write(binary, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0});
        java.nio.file.Path bom = dir.resolve("bom.conf");
        java.nio.file.Files.write(bom, "\ufeffdeliver_to smtp tcp://a:25\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(run(latin1)).startsWith("2|" + latin1 + ": line 1: not UTF-8");
        assertThat(run(binary)).startsWith("2|" + binary + ": line 1: not a text file: control character 0x7f");
        assertThat(run(dir)).startsWith("2|" + dir + ": is a directory, not a maddy configuration");
        assertThat(run(dir.resolve("missing.conf"))).startsWith("2|" + dir.resolve("missing.conf") + ": cannot be read");
        assertThat(run(bom)).as("a UTF-8 byte order mark is not part of the text").startsWith("0|<!-- from maddy's deliver_to smtp");
    }

    /** The exit code and what was printed, out then err, each error one line. */
    private static String run(java.nio.file.Path input) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = MaddyConverter.run(new String[] {input.toString()}, new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8) + err.toString(java.nio.charset.StandardCharsets.UTF_8);
        if (code != 0) {
            assertThat(printed.strip()).as("one line").doesNotContain("\n").doesNotContain("\tat ");
        }
        return code + "|" + printed;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "an unknown directive        | target.smtp {\\n  targets tcp://a:25\\n  max_conns 4\\n}             | line 3: max_conns: not a directive of maddy's target.smtp",
        "an unknown tls_client one   | target.smtp {\\n  targets tcp://a:25\\n  tls_client {\\n    sni x\\n  }\\n} | line 4: sni: not a directive of maddy's tls_client",
        "a bad value                 | target.smtp {\\n  targets tcp://a:25\\n  connect_timeout 5\\n}      | line 1: target.smtp (anonymous) (line 1): connectTimeout: '5' is not a duration",
        "targets twice in a block    | target.smtp {\\n  targets tcp://a:25\\n  targets tcp://b:25\\n}  | line 3: targets is given twice",
        "no targets                  | target.smtp {\\n  debug yes\\n}                                     | targets: required",
        "an import                   | import local.conf\\ndeliver_to smtp tcp://a:25                      | line 1: import local.conf: cannot carry over",
        "an unclosed block           | target.smtp {\\n  targets tcp://a:25\\n                                 | line 1: the block of 'target.smtp' is not closed",
        "a brace too many            | deliver_to smtp tcp://a:25\\n}                                      | line 2: '}' without a block to close",
        "an unclosed quote           | target.smtp {\\n  auth plain u \"p\\n}                             | line 2: a quoted string is not closed",
        "no target at all            | hostname mx.example.org\\ndeliver_to dummy                           | no target.smtp or target.lmtp here",
    })
    void whatCannotCarryOverIsRefusedNamingTheDirectiveAndItsLine(String what, String config, String message) {
        assertThatThrownBy(() -> MaddyConverter.convert(config.replace("\\n", "\n"))).isInstanceOf(SyntaxException.class)
            .hasMessageContaining(message.trim());
    }
}
