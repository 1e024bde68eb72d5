package org.remoteforward.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.james.protocols.smtp.core.PostmasterAbuseRcptHook;
import org.apache.james.smtpserver.AddDefaultAttributesMessageHook;
import org.apache.james.smtpserver.SendMailHandler;
import org.apache.james.smtpserver.dsn.DSNEhloHook;
import org.apache.james.smtpserver.dsn.DSNMailParameterHook;
import org.apache.james.smtpserver.dsn.DSNMessageHook;
import org.apache.james.smtpserver.dsn.DSNRcptParameterHook;
import org.junit.jupiter.api.Test;
import org.remoteforward.mailet.CredentialsVault;
import org.remoteforward.mailet.ProcessorNames;

class HandlerChainCheckTest {
    private final ForwardCredentialsHook credentials = new ForwardCredentialsHook(new CredentialsVault());
    private final ForwardingMessageHook messageHook = new ForwardingMessageHook(null, new CredentialsVault());
    private final ForwardingRcptHook rcptHook = new ForwardingRcptHook(null, null, null, new CredentialsVault(), ProcessorNames.of());
    // three of what CoreCmdHandlerLoader puts in the chain, after every configured handler
    private final PostmasterAbuseRcptHook jamesRcptHook = new PostmasterAbuseRcptHook();
    private final AddDefaultAttributesMessageHook jamesMessageHook = new AddDefaultAttributesMessageHook();
    private final SendMailHandler jamesQueueing = new SendMailHandler(null);

    @Test
    void theChainJamesBuildsFromTheSampleIsRight() {
        assertThat(HandlerChainCheck.problem(List.of(credentials, messageHook, rcptHook, jamesRcptHook, jamesMessageHook, jamesQueueing)))
            .isEmpty();
    }

    @Test
    void messageHooksThatDoNotQueueMayComeBeforeIt() {
        // James's DSN documentation puts its DSN hooks first, DSNMessageHook before the other message hooks
        assertThat(HandlerChainCheck.problem(List.of(new DSNEhloHook(), new DSNMailParameterHook(), new DSNRcptParameterHook(),
            new DSNMessageHook(), credentials, messageHook, rcptHook, jamesRcptHook, jamesMessageHook, jamesQueueing))).isEmpty();
        // a content check may come first too
        assertThat(HandlerChainCheck.problem(List.of(credentials, jamesMessageHook, messageHook, rcptHook, jamesRcptHook, jamesQueueing)))
            .isEmpty();
    }

    @Test
    void withoutTheMessageHookNoMessageWouldReachTheDownstream() {
        assertThat(HandlerChainCheck.problem(List.of(credentials, rcptHook, jamesRcptHook, jamesMessageHook)))
            .hasValueSatisfying(problem -> assertThat(problem).startsWith("ForwardingMessageHook is missing"));
    }

    @Test
    void theMessageHookAfterJamesWouldComeAfterJamesQueuedTheMessage() {
        assertThat(HandlerChainCheck.problem(List.of(rcptHook, jamesRcptHook, jamesMessageHook, jamesQueueing, messageHook)))
            .hasValueSatisfying(problem -> assertThat(problem).startsWith("ForwardingMessageHook must come before CoreCmdHandlerLoader")
                .contains(SendMailHandler.class.getName()));
    }
}
