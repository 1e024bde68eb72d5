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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * An SMTP server that, until {@link #heal healed}, meets each step of a conversation with a
 * random fault at a given rate, and keeps the books a soak test checks against: how often it
 * took each recipient (committed after the final dot), which recipients it failed for good and
 * with what reply, and how often it took a recipient without the client learning so (the reply
 * after the dot lost), which is the one case where SMTP itself delivers twice.
 *
 * <p>It never fails for good a recipient it has already taken: a 5xx for such a transaction is
 * turned into a 451, so every recipient ends either taken or failed, never both, and the test can
 * tell exactly how many copies each should have received.
 */
final class FaultyDownstream extends LoopbackListener {
    /** Where in a conversation a fault strikes. */
    enum Step { GREETING, EHLO, MAIL, RCPT, DATA, BODY, FINAL_REPLY, RSET, QUIT }

    /** What the server does instead of its proper answer. */
    enum Fault { CLOSING_421, TEMPORARY_451, PERMANENT_5XX, DROP, STALL, REPLY_LOST_AFTER_DOT }

    static final String PERMANENT_TEXT = "soak: injected permanent fault";

    private static final Map<Step, List<Fault>> POSSIBLE = new EnumMap<>(Map.of(
        Step.GREETING, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.DROP, Fault.STALL),
        Step.EHLO, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.DROP, Fault.STALL),
        Step.MAIL, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.PERMANENT_5XX, Fault.DROP, Fault.STALL),
        Step.RCPT, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.PERMANENT_5XX, Fault.DROP, Fault.STALL),
        Step.DATA, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.PERMANENT_5XX, Fault.DROP, Fault.STALL),
        Step.BODY, List.of(Fault.DROP, Fault.STALL),
        Step.FINAL_REPLY, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.PERMANENT_5XX, Fault.DROP, Fault.STALL,
            Fault.REPLY_LOST_AFTER_DOT),
        Step.RSET, List.of(Fault.CLOSING_421, Fault.TEMPORARY_451, Fault.DROP, Fault.STALL),
        Step.QUIT, List.of(Fault.DROP, Fault.STALL)));

    private final double rate;
    private final Duration stall;
    private final Function<String, List<String>> recipientsOfSender;
    private volatile boolean healed;

    private final Map<String, AtomicInteger> taken = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> lostReplies = new ConcurrentHashMap<>();
    private final Map<String, String> failedForGood = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> injected = new ConcurrentHashMap<>();
    private final List<String> altered = new CopyOnWriteArrayList<>();
    private final LongAdder connections = new LongAdder();

    /**
     * @param rate the chance, per step, of a fault while not healed
     * @param stall how long a stalled step keeps the client waiting before the connection closes; longer than its timeouts
     * @param recipientsOfSender every recipient of the mail with this envelope sender, for a 5xx at MAIL
     */
    FaultyDownstream(double rate, Duration stall, Function<String, List<String>> recipientsOfSender) throws IOException {
        super("faulty-downstream", 100);
        this.rate = rate;
        this.stall = stall;
        this.recipientsOfSender = recipientsOfSender;
    }

    /** From now on every step gets its proper answer. */
    void heal() {
        healed = true;
    }

    /** How many times the server took each recipient. */
    Map<String, Integer> taken() {
        return snapshot(taken);
    }

    /** How many times the server took each recipient and then lost its reply. */
    Map<String, Integer> lostReplies() {
        return snapshot(lostReplies);
    }

    /** The recipients failed for good, each with the reply that did it. */
    Map<String, String> failedForGood() {
        return Map.copyOf(failedForGood);
    }

    /** Messages whose content did not match their envelope: {@code sender: what was wrong}. */
    List<String> altered() {
        return List.copyOf(altered);
    }

    long connections() {
        return connections.sum();
    }

    /** The faults injected, by step and kind, in a stable order. */
    Map<String, Long> injected() {
        Map<String, Long> counts = new TreeMap<>();
        injected.forEach((key, count) -> counts.put(key, count.sum()));
        return counts;
    }

    private static Map<String, Integer> snapshot(Map<String, AtomicInteger> counts) {
        Map<String, Integer> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        return copy;
    }

    /** The state of one mail transaction on a connection. */
    private static final class Transaction {
        private String sender;
        private final List<String> accepted = new ArrayList<>();
    }

    @Override
    protected void converse(Socket socket) throws IOException {
        connections.increment();
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        Transaction transaction = new Transaction();
        if (strike(Step.GREETING, out, List.of()) != Struck.NOT) {
            return;
        }
        reply(out, "220 faulty.test ESMTP");
        for (String line = readLine(in); line != null; line = readLine(in)) {
            String verb = line.length() < 4 ? line.toUpperCase() : line.substring(0, 4).toUpperCase();
            switch (verb) {
                case "EHLO" -> {
                    Struck struck = strike(Step.EHLO, out, List.of());
                    if (struck == Struck.CLOSED) {
                        return;
                    }
                    if (struck == Struck.NOT) {
                        reply(out, "250-faulty.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760");
                    }
                }
                case "MAIL" -> {
                    transaction = new Transaction();
                    String sender = path(line);
                    Struck struck = strike(Step.MAIL, out, pending(sender));
                    if (struck == Struck.CLOSED) {
                        return;
                    }
                    if (struck == Struck.NOT) {
                        transaction.sender = sender;
                        reply(out, "250 2.1.0 sender ok");
                    }
                }
                case "RCPT" -> {
                    String recipient = path(line);
                    if (transaction.sender == null) {
                        reply(out, "503 5.5.1 no sender");
                        continue;
                    }
                    Struck struck = strike(Step.RCPT, out, List.of(recipient));
                    if (struck == Struck.CLOSED) {
                        return;
                    }
                    if (struck == Struck.NOT) {
                        transaction.accepted.add(recipient);
                        reply(out, "250 2.1.5 recipient ok");
                    }
                }
                case "DATA" -> {
                    if (!data(in, out, transaction)) {
                        return;
                    }
                    transaction = new Transaction();
                }
                case "RSET" -> {
                    transaction = new Transaction();
                    Struck struck = strike(Step.RSET, out, List.of());
                    if (struck == Struck.CLOSED) {
                        return;
                    }
                    if (struck == Struck.NOT) {
                        reply(out, "250 2.0.0 ok");
                    }
                }
                case "NOOP" -> reply(out, "250 2.0.0 ok");
                case "QUIT" -> {
                    if (strike(Step.QUIT, out, List.of()) == Struck.NOT) {
                        reply(out, "221 2.0.0 bye");
                    }
                    return;
                }
                default -> reply(out, "502 5.5.2 command not implemented");
            }
        }
    }

    /** DATA, the body and the final reply; false once the connection is to close. */
    private boolean data(InputStream in, OutputStream out, Transaction transaction) throws IOException {
        if (transaction.sender == null || transaction.accepted.isEmpty()) {
            reply(out, "554 5.5.1 no valid recipients");
            return true;
        }
        Struck struck = strike(Step.DATA, out, transaction.accepted);
        if (struck != Struck.NOT) {
            return struck != Struck.CLOSED;
        }
        reply(out, "354 end with <CRLF>.<CRLF>");
        if (strike(Step.BODY, out, List.of()) != Struck.NOT) {
            return false;
        }
        byte[] message = readMessage(in);
        Optional<Fault> fault = faultAt(Step.FINAL_REPLY, transaction.accepted);
        if (fault.isPresent() && fault.get() == Fault.REPLY_LOST_AFTER_DOT) {
            count(Step.FINAL_REPLY, Fault.REPLY_LOST_AFTER_DOT);
            take(message, transaction);
            transaction.accepted.forEach(recipient -> lostReplies.computeIfAbsent(recipient, r -> new AtomicInteger()).incrementAndGet());
            return false;
        }
        if (fault.isPresent()) {
            return inject(Step.FINAL_REPLY, fault.get(), out, transaction.accepted) != Struck.CLOSED;
        }
        take(message, transaction);
        reply(out, "250 2.0.0 taken");
        return true;
    }

    private void take(byte[] message, Transaction transaction) {
        String content = new String(message, StandardCharsets.UTF_8);
        if (!content.contains("Message-ID: <" + transaction.sender + ">")) {
            altered.add(transaction.sender + ": the message is not the one sent with this envelope");
        }
        transaction.accepted.forEach(recipient -> taken.computeIfAbsent(recipient, r -> new AtomicInteger()).incrementAndGet());
    }

    /**
     * The recipients of the sender's mail that a 5xx at MAIL would fail: all not failed yet. Should
     * one of them be taken already, {@link #faultAt} makes the fault temporary; otherwise the client
     * has delivered none of them, so these are exactly the ones it is trying.
     */
    private List<String> pending(String sender) {
        return Optional.ofNullable(recipientsOfSender.apply(sender)).orElse(List.of()).stream()
            .filter(recipient -> !failedForGood.containsKey(recipient))
            .toList();
    }

    /** Whether a fault struck the step: not, with a reply and the conversation going on, or with the connection closed. */
    private enum Struck { NOT, REPLIED, CLOSED }

    private Struck strike(Step step, OutputStream out, List<String> affected) throws IOException {
        Optional<Fault> fault = faultAt(step, affected);
        return fault.isPresent() ? inject(step, fault.get(), out, affected) : Struck.NOT;
    }

    private Optional<Fault> faultAt(Step step, List<String> affected) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (healed || random.nextDouble() >= rate) {
            return Optional.empty();
        }
        List<Fault> possible = POSSIBLE.get(step);
        Fault fault = possible.get(random.nextInt(possible.size()));
        // a recipient taken already (its reply lost) is never failed for good: it must end taken, not both
        boolean takenBefore = affected.stream().anyMatch(taken::containsKey);
        return Optional.of(fault == Fault.PERMANENT_5XX && takenBefore ? Fault.TEMPORARY_451 : fault);
    }

    private Struck inject(Step step, Fault fault, OutputStream out, List<String> affected) throws IOException {
        count(step, fault);
        switch (fault) {
            case CLOSING_421 -> {
                reply(out, "421 4.3.0 soak: injected, closing");
                return Struck.CLOSED;
            }
            case TEMPORARY_451 -> {
                reply(out, "451 4.3.0 soak: injected temporary fault at " + step);
                return step == Step.GREETING ? Struck.CLOSED : Struck.REPLIED;
            }
            case PERMANENT_5XX -> {
                String text = "554 5.7.1 " + PERMANENT_TEXT + " at " + step;
                affected.forEach(recipient -> failedForGood.putIfAbsent(recipient, text));
                reply(out, text);
                return Struck.REPLIED;
            }
            case STALL -> {
                try {
                    Thread.sleep(stall.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Struck.CLOSED;
            }
            default -> {
                return Struck.CLOSED;
            }
        }
    }

    private void count(Step step, Fault fault) {
        injected.computeIfAbsent(step + " " + fault, key -> new LongAdder()).increment();
    }
}
