package org.remoteforward.mailet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.apache.james.core.MailAddress;
import org.apache.james.core.MaybeSender;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.remoteforward.testing.Started;

/**
 * What a RemoteForwardMailet test needs around the mailet: James's memory mail queue, recording
 * metrics, a fake mailet context with a postmaster, a private credentials vault, and mails built
 * the way James's SMTP server builds them.
 */
final class MailetHarness {
    final FakeMailContext context;
    final MemoryMailQueueFactory queues = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
    /** The queues the mailet is given: James's memory queues unless a test brings others. */
    private final MailQueueFactory<?> mailetQueues;
    final RecordingMetricFactory metrics = new RecordingMetricFactory();
    final CredentialsVault vault = new CredentialsVault();
    final ForwardingHealth health = new ForwardingHealth();
    /** The processors of a James whose mailetcontainer.xml the tests write: those the tests name. */
    final ProcessorNames processors = ProcessorNames.of("root", "error", "transport", "bounces");
    /** James's spooler as the tests' mailetcontainer.xml would run it; a test may set another before {@link #start}. */
    SpoolerThreads spooler = SpoolerThreads.of(20);
    private final Started started;

    MailetHarness(Started started) throws Exception {
        this(started, null);
    }

    /** With {@code mailetQueues} given to the mailet in place of the memory queues. */
    MailetHarness(Started started, MailQueueFactory<?> mailetQueues) throws Exception {
        this.started = started;
        this.mailetQueues = mailetQueues == null ? queues : mailetQueues;
        this.context = FakeMailContext.builder().postmaster(new MailAddress("postmaster@relay.test")).build();
    }

    RemoteForwardMailet start(String... parameters) throws MessagingException {
        return start(context, parameters);
    }

    RemoteForwardMailet start(MailetContext mailetContext, String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("forward").mailetContext(mailetContext);
        // the product's defaults (pooled sessions, pipelining, chunking) unless a test names a parameter
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        RemoteForwardMailet mailet = new RemoteForwardMailet(mailetQueues, metrics, vault, processors, health, spooler, Clock.systemUTC());
        started.keep(mailet::destroy);
        mailet.init(config.build());
        return mailet;
    }

    /** A mail over its raw source, as James's SMTP server makes it (James's copies would re-serialise the headers). */
    Mail mail(String original, String sender, String... recipients) throws Exception {
        MimeMessageWrapper message = new MimeMessageWrapper(MimeMessageInputStreamSource.create("test-source",
            new ByteArrayInputStream(original.getBytes(StandardCharsets.UTF_8))));
        MailImpl.Builder builder = MailImpl.builder().name("mail-" + System.nanoTime());
        builder = sender == null ? builder.sender(MaybeSender.nullSender()) : builder.sender(sender);
        MailImpl mail = builder.addRecipients(recipients).build();
        mail.setMessageNoCopy(message);
        started.keep(() -> LifecycleUtil.dispose(mail));
        return mail;
    }

    ManageableMailQueue queue(String name) {
        return queues.getQueue(MailQueueName.of(name)).orElseThrow();
    }

    List<Mail> queued(String name) throws Exception {
        ManageableMailQueue.MailQueueIterator items = queue(name).browse();
        try {
            List<Mail> mails = new ArrayList<>();
            items.forEachRemaining(view -> mails.add(view.getMail()));
            return mails;
        } finally {
            items.close();
        }
    }

    /** The DSNs the mailet sent through the context. */
    List<FakeMailContext.SentMail> dsns() {
        return context.getSentMails().stream().filter(MailetHarness::isReport).toList();
    }

    private static boolean isReport(FakeMailContext.SentMail sent) {
        try {
            return sent.getMsg() != null && sent.getMsg().isMimeType("multipart/report");
        } catch (MessagingException e) {
            return false;
        }
    }

    /** The DSN's delivery-status fields, unfolded as a reader of RFC 5322 fields sees them. */
    static String deliveryStatus(MimeMessage dsn) throws Exception {
        MimeMultipart report = (MimeMultipart) dsn.getContent();
        BodyPart status = report.getBodyPart(1);
        try (InputStream in = status.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("\r\n(?=[ \t])", "");
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
