package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One message over a ready session: AUTH (unless the session already is authenticated as this
 * identity), the checks that need the server's capabilities (SIZE, 8BITMIME, SMTPUTF8), MAIL
 * FROM, RCPT TO for each recipient (pipelined with DATA where PIPELINING is offered), the body by
 * DATA or, where CHUNKING is offered, BDAT, and the final reply or replies. Each recipient's
 * outcome goes into the ledger as soon as it is known. I/O failures propagate: the caller
 * decides the recipients still pending.
 */
final class MailTransaction {
    private final SmtpSession session;
    private final SenderSettings settings;
    private final Envelope envelope;
    private final MessageSource message;
    private final ResultLedger ledger;
    private final String identity;
    /** Each recipient still to send, in envelope order, with its form on the wire. */
    private final Map<String, String> wireRecipients = new LinkedHashMap<>();

    MailTransaction(SmtpSession session, SenderSettings settings, Envelope envelope, MessageSource message, ResultLedger ledger,
                    String identity) {
        this.session = session;
        this.settings = settings;
        this.envelope = envelope;
        this.message = message;
        this.ledger = ledger;
        this.identity = identity;
    }

    void run() throws IOException {
        if (!authenticate()) {
            return;
        }
        Optional<String> mailFrom = mailFromCommand();
        if (mailFrom.isEmpty()) {
            return;
        }
        boolean chunking = settings.connections().chunking() && session.capabilities().has("CHUNKING");
        boolean pipelining = settings.connections().pipelining() && session.capabilities().has("PIPELINING");
        EnvelopeReplies envelopeReplies = exchangeEnvelope(mailFrom.get(), pipelining, pipelining && !chunking);
        List<String> accepted = envelopeReplies.accepted;
        if (accepted.isEmpty()) {
            if (envelopeReplies.dataReply != null && envelopeReplies.dataReply.code() == 354) {
                // a server that opened DATA for nobody: close it with an empty message and ignore its answer
                session.transferMessage(EMPTY, 1, reply -> { });
            }
            return;
        }
        MessageTransfer.send(session, settings.protocol(), chunking, message, accepted, ledger,
            Optional.ofNullable(envelopeReplies.dataReply));
    }

    /**
     * The checks that need the server's capabilities (SIZE, 8BITMIME, SMTPUTF8) and the MAIL FROM
     * command with its declarations; empty when those checks decided every recipient. Fills
     * {@link #wireRecipients} with each recipient still to send and its form on the wire.
     */
    private Optional<String> mailFromCommand() throws IOException {
        Capabilities capabilities = session.capabilities();
        Endpoint endpoint = session.endpoint();
        long size = message.size();
        boolean smtputf8 = capabilities.has("SMTPUTF8");
        Optional<String> overLimit = MessageTraits.overSizeLimit(size, capabilities, endpoint);
        if (overLimit.isPresent()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, overLimit.get());
            return Optional.empty();
        }
        // needed whatever the server offers: to declare 8-bit content where it can go, to refuse it where it cannot
        MessageTraits traits = MessageTraits.scan(message);
        Optional<String> unsendable = traits.unsendableTo(capabilities, endpoint);
        if (unsendable.isPresent()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, unsendable.get());
            return Optional.empty();
        }
        Optional<String> sender = AddressCheck.wireForm(envelope.sender(), smtputf8);
        if (sender.isEmpty()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, "sender " + envelope.sender()
                + " needs SMTPUTF8, which " + endpoint + " does not advertise");
            return Optional.empty();
        }
        for (String recipient : ledger.pending()) {
            Optional<String> wire = AddressCheck.wireForm(recipient, smtputf8);
            if (wire.isPresent()) {
                wireRecipients.put(recipient, wire.get());
            } else {
                ledger.failed(recipient, Outcome.PERMANENT_FAILURE, "recipient " + recipient
                    + " needs SMTPUTF8, which " + endpoint + " does not advertise");
            }
        }
        if (wireRecipients.isEmpty()) {
            return Optional.empty();
        }
        boolean utf8Envelope = !AddressCheck.isAscii(envelope.sender())
            || envelope.recipients().stream().anyMatch(r -> !AddressCheck.isAscii(r));
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(sender.get()).append('>');
        if (size >= 0 && capabilities.has("SIZE")) {
            mail.append(" SIZE=").append(size);
        }
        if (traits.eightBit()) {
            mail.append(" BODY=8BITMIME");
        }
        if (smtputf8 && (utf8Envelope || traits.eightBitHeaders())) {
            mail.append(" SMTPUTF8");
        }
        return Optional.of(mail.toString());
    }

    /** MAIL FROM and a RCPT TO per recipient, pipelined (with DATA, when {@code withData}) or one at a time. */
    private EnvelopeReplies exchangeEnvelope(String mailFrom, boolean pipelining, boolean withData) throws IOException {
        List<String> commands = new ArrayList<>();
        commands.add(mailFrom);
        wireRecipients.values().forEach(wire -> commands.add("RCPT TO:<" + wire + ">"));
        if (withData) {
            // RFC 2920: DATA may close the group; its reply tells whether to send the body
            commands.add("DATA");
        }
        EnvelopeReplies replies = new EnvelopeReplies(new ArrayList<>(wireRecipients.keySet()));
        if (pipelining) {
            session.pipeline(commands, replies::accept);
            return replies;
        }
        for (String command : commands) {
            replies.accept(session.command(command));
            if (replies.mailRefused()) {
                // no RCPT may follow a refused MAIL FROM
                break;
            }
        }
        return replies;
    }

    /**
     * Decides the envelope's replies in order as they arrive (MAIL FROM, one per recipient, then
     * DATA's when it was pipelined), so replies read before a failure keep their meaning.
     */
    private final class EnvelopeReplies {
        private final List<String> recipients;
        private final List<String> accepted = new ArrayList<>();
        private int received;
        private boolean mailRefused;
        private Reply dataReply;

        EnvelopeReplies(List<String> recipients) {
            this.recipients = recipients;
        }

        void accept(Reply reply) {
            int index = received++;
            if (index == 0) {
                if (!reply.isPositive()) {
                    mailRefused = true;
                    ledger.refusedAllPending(reply, "MAIL FROM");
                }
            } else if (index <= recipients.size()) {
                String recipient = recipients.get(index - 1);
                if (mailRefused) {
                    return;
                }
                if (reply.isPositive()) {
                    accepted.add(recipient);
                } else {
                    ledger.refused(recipient, reply, "RCPT TO");
                }
            } else {
                dataReply = reply;
            }
        }

        boolean mailRefused() {
            return mailRefused;
        }
    }

    private static final MessageSource EMPTY = new MessageSource() {
        @Override
        public long size() {
            return 0;
        }

        @Override
        public void writeTo(OutputStream out) {
            // nothing: only the terminating dot is sent
        }
    };

    /** False when AUTH decided every recipient; true to go on. */
    private boolean authenticate() throws IOException {
        Optional<Reply> refused = Authentication.authenticate(session, settings, identity, envelope.credentials());
        refused.ifPresent(reply -> ledger.refusedAllPending(reply, "AUTH"));
        return refused.isEmpty();
    }
}
