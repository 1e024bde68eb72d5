package org.remoteforward.it;

import static org.remoteforward.it.SmtpLines.path;
import static org.remoteforward.it.SmtpLines.readLine;
import static org.remoteforward.it.SmtpLines.readMessage;
import static org.remoteforward.it.SmtpLines.reply;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An SMTP downstream that answers each RCPT as told per recipient, and keeps the books the
 * distributed tests check: when each recipient was asked for, and which client (by its EHLO name)
 * gave each recipient each copy. A copy counts once the final dot is read, as a real MTA commits
 * it; the reply to it can be held back, to kill a James mid-delivery: the recipients whose reply is
 * held are the only ones SMTP itself may give a second copy (the client never learnt of the first).
 */
final class RecordingDownstream extends LoopbackListener {
    /** One RCPT as the downstream heard it. */
    record Asked(String recipient, Instant at, String reply) {
    }

    private final Function<String, String> rcptReply;
    private final List<Asked> asked = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> takenBy = new ConcurrentHashMap<>();
    private final Set<String> awaitingReply = ConcurrentHashMap.newKeySet();
    private volatile long holdFinalReplyMillis;
    private volatile long sizeLimit;
    private final List<String> mailCommands = new CopyOnWriteArrayList<>();
    private final List<byte[]> messages = new CopyOnWriteArrayList<>();
    private volatile String finalReply = "250 2.0.0 queued";
    private volatile boolean acceptsAnyAuth;

    /** @param rcptReply the reply to RCPT TO for each recipient, e.g. "250 ok" or "451 4.3.0 later" */
    RecordingDownstream(Function<String, String> rcptReply) throws IOException {
        super("recording-downstream", 200);
        this.rcptReply = rcptReply;
    }

    /** From now on the reply after the final dot comes this much later (the message is taken only once it is sent). */
    void holdFinalReplies(long millis) {
        holdFinalReplyMillis = millis;
    }

    /** From now on EHLO advertises SIZE with this limit. */
    void advertiseSize(long limit) {
        sizeLimit = limit;
    }

    /** Every MAIL FROM command, as written. */
    /** Advertises AUTH PLAIN and takes whatever credentials a client gives. */
    void acceptAnyAuth() {
        this.acceptsAnyAuth = true;
    }

    /** Answers the end of each message with {@code reply}, which may have several lines (CRLF between them). */
    void finalReply(String reply) {
        this.finalReply = reply;
    }

    /** Each message as it arrived, dot-stuffing undone. */
    List<byte[]> messages() {
        return List.copyOf(messages);
    }

    List<String> mailCommands() {
        return List.copyOf(mailCommands);
    }

    /** The recipients of the copies whose final reply is held back now. */
    Set<String> awaitingReply() {
        return Set.copyOf(awaitingReply);
    }

    List<Asked> asked(String recipient) {
        return asked.stream().filter(a -> a.recipient().equals(recipient)).toList();
    }

    /** Copies given to each recipient. */
    Map<String, Integer> taken() {
        Map<String, Integer> copies = new TreeMap<>();
        takenBy.forEach((recipient, clients) -> copies.put(recipient, clients.size()));
        return copies;
    }

    /** For each recipient, the EHLO names of the clients that gave it a copy. */
    Map<String, List<String>> takenBy() {
        Map<String, List<String>> by = new TreeMap<>();
        takenBy.forEach((recipient, clients) -> by.put(recipient, List.copyOf(clients)));
        return by;
    }

    /** Waits until {@code count} recipients have a copy, up to {@code seconds}. */
    Map<String, Integer> awaitTaken(int count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (takenBy.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return taken();
    }

    @Override
    protected void converse(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        List<String> accepted = new ArrayList<>();
        String client = "";
        reply(out, "220 recording.test ESMTP");
        for (String line = readLine(in); line != null; line = readLine(in)) {
            String verb = line.length() < 4 ? line.toUpperCase() : line.substring(0, 4).toUpperCase();
            switch (verb) {
                case "EHLO" -> {
                    client = line.substring(Math.min(5, line.length())).trim();
                    reply(out, "250-recording.test\r\n250-PIPELINING\r\n" + (sizeLimit > 0 ? "250-SIZE " + sizeLimit + "\r\n" : "")
                        + (acceptsAnyAuth ? "250-AUTH PLAIN\r\n" : "") + "250 8BITMIME");
                }
                case "MAIL", "RSET" -> {
                    if (verb.equals("MAIL")) {
                        mailCommands.add(line);
                    }
                    accepted.clear();
                    reply(out, "250 2.0.0 ok");
                }
                case "RCPT" -> {
                    String recipient = path(line);
                    String answer = rcptReply.apply(recipient);
                    asked.add(new Asked(recipient, Instant.now(), answer));
                    if (answer.startsWith("2")) {
                        accepted.add(recipient);
                    }
                    reply(out, answer);
                }
                case "DATA" -> {
                    if (accepted.isEmpty()) {
                        reply(out, "554 5.5.1 no valid recipients");
                        continue;
                    }
                    reply(out, "354 go ahead");
                    messages.add(readMessage(in));
                    for (String recipient : accepted) {
                        takenBy.computeIfAbsent(recipient, r -> new CopyOnWriteArrayList<>()).add(client);
                    }
                    holdFinalReply(accepted);
                    reply(out, finalReply);
                    accepted.clear();
                }
                case "NOOP" -> reply(out, "250 2.0.0 ok");
                case "AUTH" -> reply(out, acceptsAnyAuth ? "235 2.7.0 authenticated" : "502 5.5.2 command not implemented");
                case "QUIT" -> {
                    reply(out, "221 2.0.0 bye");
                    return;
                }
                default -> reply(out, "502 5.5.2 command not implemented");
            }
        }
    }

    private void holdFinalReply(List<String> recipients) throws IOException {
        long hold = holdFinalReplyMillis;
        if (hold <= 0) {
            return;
        }
        awaitingReply.addAll(recipients);
        try {
            Thread.sleep(hold);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            awaitingReply.removeAll(recipients);
        }
    }
}
