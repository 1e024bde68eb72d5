package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.MailQueueName;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.Started;

/**
 * What an operator does to the mailet's queue with James's own tools. James 3.8.1's WebAdmin
 * route that lists a queue's mails ({@code GET /mailQueues/{name}/mails}, MailQueueRoutes.listMails)
 * takes one reference on the queue and closes it twice; the memory queue counts references and,
 * at 0, stops handing out mails and drops the waiting ones. Listing must not lose mail.
 */
class QueueManagementTest {
    @RegisterExtension
    final Started started = new Started();
    private MailetHarness harness;

    @BeforeEach
    void harness() throws Exception {
        harness = new MailetHarness(started);
    }

    /** What MailQueueRoutes.listMails does to the queue: getQueue (one reference), browse, close, and close again. */
    private void listAsWebAdminDoes(String name) throws Exception {
        ManageableMailQueue queue = harness.queues.getQueue(MailQueueName.of(name)).orElseThrow();
        ManageableMailQueue.MailQueueIterator items = queue.browse();
        items.forEachRemaining(item -> { });
        items.close();
        queue.close();
        queue.close();
    }

    @Test
    void listingTheQueueAgainAndAgainLosesNoMailAndAFlushDeliversIt() throws Exception {
        ScriptedServer server = started.tcp(List.of(
            Script.of().send("220 mx.test").expect("EHLO relay.test").send("250 mx.test")
                .expect("MAIL FROM:<a@example.com>").send("250 ok").expect("RCPT TO:<b@example.com>").send("451 4.3.0 try later")
                .expect("QUIT").send("221 bye"),
            RemoteForwardMailetTest.acceptAll("MAIL FROM:<a@example.com>", "b@example.com")));
        RemoteForwardMailet mailet = harness.start("targets", server.tcpUri(), "starttls", "no", "heloName", "relay.test",
            "inline", "yes", "delayTime", "1h", "reuseConnections", "no");
        mailet.service(harness.mail(RemoteForwardMailetTest.ORIGINAL, "a@example.com", "b@example.com"));
        assertThat(harness.queue("remote-forward").getSize()).isEqualTo(1);

        for (int i = 0; i < 50; i++) {
            listAsWebAdminDoes("remote-forward");
        }

        assertThat(harness.queued("remote-forward")).as("the waiting mail, after 50 listings").hasSize(1);
        // what PATCH /mailQueues/remote-forward/mails?delayed=true with {"delayed": false} does
        harness.queue("remote-forward").flush();
        server.awaitConversations(2);
        MailetHarness.await(() -> server.conversations().get(1).messages.size() == 1, "the flushed mail's delivery");
        assertThat(server.conversations().get(1).onlyMessage()).isEqualTo(RemoteForwardMailetTest.ORIGINAL.getBytes());
    }
}
