package org.remoteforward.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.handler.ProtocolHandler;
import org.apache.james.protocols.smtp.SMTPConfiguration;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.protocols.smtp.hook.RcptHook;
import org.apache.james.smtpserver.dsn.DSNMailParameterHook;
import org.apache.mailet.DsnParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.mailet.CredentialsVault;
import org.remoteforward.mailet.ProcessorNames;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

/** James's RCPT checks decide before the downstream hears of a recipient: no open relay through the hook. */
class ForwardingRcptHookTest {
    @RegisterExtension
    final Started started = new Started();
    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final ForwardingRcptHook hook = new ForwardingRcptHook(null, null, metrics, new CredentialsVault(),
        ProcessorNames.of("error"));
    private final SMTPSession session = session();

    @AfterEach
    void destroy() {
        hook.onDisconnect(session);
        hook.destroy();
    }

    private void start(ScriptedServer downstream, RcptHook jamesCheck) throws Exception {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("[@class]", ForwardingRcptHook.class.getName());
        configuration.addProperty("targets", downstream.tcpUri());
        configuration.addProperty("starttls", "no");
        configuration.addProperty("heloName", "relay.test");
        configuration.addProperty("reuseConnections", "no");
        // no queue of its own here: failed recipients would go to this processor
        configuration.addProperty("failedRecipientsProcessor", "error");
        hook.init(configuration);
        // the order James builds: configured handlers, then CoreCmdHandlerLoader's
        hook.wireExtensions(ProtocolHandler.class, List.of(new ForwardingMessageHook(null, new CredentialsVault()), hook, jamesCheck));
    }

    /** A RCPT check of James's that answers every recipient with {@code result}. */
    private static RcptHook jamesCheck(HookResult result) {
        return new RcptHook() {
            @Override
            public HookResult doRcpt(SMTPSession session, MaybeSender sender, MailAddress rcpt) {
                return result;
            }
        };
    }

    @Test
    void aRecipientJamesRefusesToRelayNeverReachesTheDownstream() throws Exception {
        ScriptedServer downstream = started.tcp(Script.of().send("220 mx.test"));
        start(downstream, jamesCheck(HookResult.builder().hookReturnCode(HookReturnCode.deny())
            .smtpReturnCode("530").smtpDescription("5.7.1 Authentication Required").build()));

        HookResult result = hook.doRcpt(session, MaybeSender.of(new MailAddress("a@example.org")), new MailAddress("b@example.com"), Map.of());

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("530");
        assertThat(downstream.conversations()).as("connections the downstream saw").isEmpty();
    }

    @Test
    void aRecipientJamesAllowsIsAnsweredByTheDownstream() throws Exception {
        ScriptedServer downstream = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
            .expect("MAIL FROM:<a@example.org>").send("250 ok")
            .expect("RCPT TO:<b@example.com>").send("550 5.1.1 no such user")
            .expect("QUIT").send("221 bye"));
        start(downstream, jamesCheck(HookResult.DECLINED));

        HookResult result = hook.doRcpt(session, MaybeSender.of(new MailAddress("a@example.org")), new MailAddress("b@example.com"), Map.of());

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).isEqualTo("5.1.1 no such user");
        // synchronous forwarding counts its outcomes too: this one at RCPT, where the client heard it
        assertThat(metrics.countFor("remote-forward.synchronous.permanentFailure")).isEqualTo(1);
        assertThat(metrics.countFor("remote-forward.synchronous.permanentFailure." + downstream.tcpUri().replaceAll("[^A-Za-z0-9.-]+", "_")))
            .isEqualTo(1);
    }

    @Test
    void theSizeTheClientDeclaredGoesDownstreamAndOneOverTheDownstreamsLimitIsRefusedWithIt() throws Exception {
        // what goes downstream is the client's message behind the Received field James adds
        long field = JamesReceivedField.octets(session, new MailAddress("b@example.com"));
        String date = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z (zzz)", Locale.US).format(ZonedDateTime.now());
        assertThat(field).as("the field James 3.8.1 writes for this session").isEqualTo(("Received: from localhost ([127.0.0.1])\r\n"
            + "          by relay.in.test (JAMES SMTP Server ) with SMTP ID 5e55i0n1\r\n"
            + "          for <b@example.com>;\r\n          " + date + "\r\n").length());
        ScriptedServer downstream = started.tcp(List.of(
            Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 SIZE 1000")
                .expect("MAIL FROM:<a@example.org> SIZE=" + (120 + field)).send("250 ok")
                .expect("RCPT TO:<b@example.com>").send("250 ok")
                .expect("QUIT").send("221 bye"),
            Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 SIZE 1000")
                .expect("QUIT").send("221 bye")));
        start(downstream, jamesCheck(HookResult.DECLINED));

        // as James's MailSizeEsmtpExtension keeps it at MAIL FROM
        session.setAttachment(ForwardingRcptHook.DECLARED_SIZE, 120, ProtocolSession.State.Transaction);
        HookResult taken = hook.doRcpt(session, MaybeSender.of(new MailAddress("a@example.org")), new MailAddress("b@example.com"), Map.of());
        assertThat(taken.getResult()).isEqualTo(HookReturnCode.ok());
        hook.onDisconnect(session);

        session.setAttachment(ForwardingRcptHook.DECLARED_SIZE, 5000, ProtocolSession.State.Transaction);
        HookResult tooBig = hook.doRcpt(session, MaybeSender.of(new MailAddress("a@example.org")), new MailAddress("b@example.com"), Map.of());
        assertThat(tooBig.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(tooBig.getSmtpRetCode()).isEqualTo("552");
        assertThat(tooBig.getSmtpDescription())
            .startsWith("5.3.4 declared message of " + (5000 + field) + " bytes is larger than the SIZE limit of 1000 bytes");
        hook.onDisconnect(session);
        downstream.awaitConversations(2);
        assertThat(downstream.violations()).isEmpty();
    }

    @Test
    void theClientsDsnRequestGoesDownstreamAsJamesKeptIt() throws Exception {
        ScriptedServer downstream = started.tcp(Script.of().send("220 mx.test").expect("EHLO relay.test").send("250-mx.test", "250 DSN")
            .expect("MAIL FROM:<a@example.org> RET=HDRS ENVID=QQ+2B1").send("250 ok")
            .expect("RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2Bx@example.com").send("250 ok")
            .expect("RCPT TO:<c@example.com> NOTIFY=NEVER").send("250 ok")
            .expect("RCPT TO:<d@example.com>").send("250 ok")
            .expect("QUIT").send("221 bye"));
        start(downstream, jamesCheck(HookResult.DECLINED));
        // where James's DSNMailParameterHook keeps RET and ENVID at MAIL FROM, as the client sent them (ENVID in xtext)
        session.setAttachment(DSNMailParameterHook.DSN_RET, DsnParameters.Ret.HDRS, ProtocolSession.State.Transaction);
        session.setAttachment(DSNMailParameterHook.DSN_ENVID, DsnParameters.EnvId.of("QQ+2B1"), ProtocolSession.State.Transaction);
        MaybeSender sender = MaybeSender.of(new MailAddress("a@example.org"));

        // each RCPT's parameters, as James parses them from the command line
        assertThat(hook.doRcpt(session, sender, new MailAddress("b@example.com"),
            Map.of("NOTIFY", "FAILURE,SUCCESS", "ORCPT", "rfc822;orig+2Bx@example.com")).getResult()).isEqualTo(HookReturnCode.ok());
        assertThat(hook.doRcpt(session, sender, new MailAddress("c@example.com"), Map.of("NOTIFY", "NEVER")).getResult())
            .isEqualTo(HookReturnCode.ok());
        assertThat(hook.doRcpt(session, sender, new MailAddress("d@example.com"), Map.of()).getResult()).isEqualTo(HookReturnCode.ok());
        hook.onDisconnect(session);
        downstream.awaitConversations(1);
        assertThat(downstream.violations()).isEmpty();
    }

    /** An SMTP session that holds attachments and a client address, and nothing else. */
    private static SMTPSession session() {
        Map<String, Object> attachments = new HashMap<>();
        return (SMTPSession) Proxy.newProxyInstance(SMTPSession.class.getClassLoader(), new Class<?>[] {SMTPSession.class},
            (proxy, method, args) -> {
                switch (method.getName()) {
                    case "setAttachment":
                        return Optional.ofNullable(attachments.put(key(args), args[1]));
                    case "getAttachment":
                        return Optional.ofNullable(attachments.get(key(args)));
                    case "removeAttachment":
                        return Optional.ofNullable(attachments.remove(key(args)));
                    case "getRemoteAddress":
                        return new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000);
                    case "getConfiguration":
                        return configuration();
                    case "getSessionID":
                        return "5e55i0n1";
                    case "getCharset":
                        return java.nio.charset.StandardCharsets.US_ASCII;
                    case "getUsername":
                        return null;
                    case "toString":
                        return "a test session";
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });
    }

    /** James's SMTP server configuration, as far as its Received field reads it. */
    private static SMTPConfiguration configuration() {
        return (SMTPConfiguration) Proxy.newProxyInstance(SMTPConfiguration.class.getClassLoader(), new Class<?>[] {SMTPConfiguration.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "getHelloName" -> "relay.in.test";
                case "getSoftwareName" -> "JAMES SMTP Server ";
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    private static String key(Object[] args) {
        ProtocolSession.State state = (ProtocolSession.State) args[args.length - 1];
        return state + "/" + ((ProtocolSession.AttachmentKey<?>) args[0]).asString();
    }
}
