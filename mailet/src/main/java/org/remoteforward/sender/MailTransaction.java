package org.remoteforward.sender;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
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
        Capabilities capabilities = session.capabilities();
        Endpoint endpoint = session.endpoint();

        long size = message.size();
        if (size >= 0 && capabilities.maxSize().isPresent() && size > capabilities.maxSize().getAsLong()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, "message of " + size + " bytes is larger than the SIZE limit of "
                + capabilities.maxSize().getAsLong() + " bytes that " + endpoint + " advertises");
            return;
        }
        boolean smtputf8 = capabilities.has("SMTPUTF8");
        boolean eightBitMime = capabilities.has("8BITMIME");
        // needed whatever the server offers: to declare 8-bit content where it can go, to refuse it where it cannot
        MessageTraits traits = MessageTraits.scan(message);
        if (traits.eightBit() && !eightBitMime) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, "message has 8-bit content but " + endpoint
                + " does not advertise 8BITMIME, and converting it would alter the message");
            return;
        }

        boolean utf8Envelope = !AddressCheck.isAscii(envelope.sender())
            || envelope.recipients().stream().anyMatch(r -> !AddressCheck.isAscii(r));
        Optional<String> sender = wireForm(envelope.sender(), smtputf8);
        if (sender.isEmpty()) {
            ledger.failAllPending(Outcome.PERMANENT_FAILURE, "sender " + envelope.sender()
                + " needs SMTPUTF8, which " + endpoint + " does not advertise");
            return;
        }
        Map<String, String> wireRecipients = new LinkedHashMap<>();
        for (String recipient : ledger.pending()) {
            Optional<String> wire = wireForm(recipient, smtputf8);
            if (wire.isPresent()) {
                wireRecipients.put(recipient, wire.get());
            } else {
                ledger.failed(recipient, Outcome.PERMANENT_FAILURE, "recipient " + recipient
                    + " needs SMTPUTF8, which " + endpoint + " does not advertise");
            }
        }
        if (wireRecipients.isEmpty()) {
            return;
        }

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
        boolean chunking = settings.connections().chunking() && capabilities.has("CHUNKING");
        boolean pipelining = settings.connections().pipelining() && capabilities.has("PIPELINING");
        List<String> commands = new ArrayList<>();
        commands.add(mail.toString());
        wireRecipients.values().forEach(wire -> commands.add("RCPT TO:<" + wire + ">"));
        boolean dataPipelined = pipelining && !chunking;
        if (dataPipelined) {
            // RFC 2920: DATA may close the group; its reply tells whether to send the body
            commands.add("DATA");
        }
        EnvelopeReplies envelopeReplies = new EnvelopeReplies(new ArrayList<>(wireRecipients.keySet()));
        if (pipelining) {
            session.pipeline(commands, envelopeReplies::accept);
        } else {
            for (String command : commands) {
                envelopeReplies.accept(session.command(command));
                if (envelopeReplies.mailRefused()) {
                    // no RCPT may follow a refused MAIL FROM
                    break;
                }
            }
        }
        List<String> accepted = envelopeReplies.accepted;
        Reply pipelinedData = envelopeReplies.dataReply;
        if (accepted.isEmpty()) {
            if (pipelinedData != null && pipelinedData.code() == 354) {
                // a server that opened DATA for nobody: close it with an empty message and ignore its answer
                session.transferMessage(EMPTY, 1, reply -> { });
            }
            return;
        }
        if (chunking) {
            int expected = settings.protocol() == Protocol.LMTP ? accepted.size() : 1;
            Iterator<String> owners = accepted.iterator();
            Reply refused = session.transferChunked(message, expected, reply -> decideFinal(accepted, owners, reply));
            if (refused != null) {
                accepted.stream().filter(ledger.pending()::contains).forEach(r -> ledger.refused(r, refused, "BDAT"));
            }
            return;
        }

        Reply dataReply = pipelinedData != null ? pipelinedData : session.command("DATA");
        if (dataReply.code() != 354) {
            if (dataReply.isPositive()) {
                throw new ProtocolException("answered DATA with " + dataReply + " instead of 354");
            }
            accepted.forEach(r -> ledger.refused(r, dataReply, "DATA"));
            return;
        }
        int expected = settings.protocol() == Protocol.LMTP ? accepted.size() : 1;
        Iterator<String> owners = accepted.iterator();
        session.transferMessage(message, expected, reply -> decideFinal(accepted, owners, reply));
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

    /** A final reply: LMTP gives one per accepted recipient, in order; SMTP one for all. */
    private void decideFinal(List<String> accepted, Iterator<String> owners, Reply reply) {
        if (settings.protocol() == Protocol.LMTP) {
            decideAfterData(owners.next(), reply);
        } else {
            accepted.forEach(r -> decideAfterData(r, reply));
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

    private void decideAfterData(String recipient, Reply reply) {
        if (reply.isPositive()) {
            ledger.delivered(recipient, reply);
        } else {
            ledger.refused(recipient, reply, "the message");
        }
    }

    /** False when AUTH decided every recipient; true to go on. */
    private boolean authenticate() throws IOException {
        if (settings.auth() != AuthMode.OFF && identity.equals(session.authenticatedAs())) {
            // a pooled session, already authenticated as this very identity
            return true;
        }
        switch (settings.auth()) {
            case OFF:
                return true;
            case EXTERNAL: {
                // an empty initial response: the identity is the certificate's
                Reply reply = session.command("AUTH EXTERNAL =");
                if (reply.isIntermediate()) {
                    reply = session.command("=");
                }
                return authOutcome(reply);
            }
            default: {
                Credentials credentials = settings.auth() == AuthMode.FORWARD
                    ? envelope.credentials().orElseThrow()
                    : settings.configuredCredentials().orElseThrow();
                String response = Base64.getEncoder().encodeToString(
                    ("\0" + credentials.username() + "\0" + credentials.password()).getBytes(StandardCharsets.UTF_8));
                Reply reply = session.secretCommand("AUTH PLAIN " + response, "AUTH PLAIN <redacted>");
                if (reply.isIntermediate()) {
                    reply = session.secretCommand(response, "<redacted>");
                }
                return authOutcome(reply);
            }
        }
    }

    private boolean authOutcome(Reply reply) {
        if (reply.isPositive()) {
            session.authenticated(identity);
            return true;
        }
        ledger.refusedAllPending(reply, "AUTH");
        return false;
    }

    private static Optional<String> wireForm(String address, boolean smtputf8) {
        if (smtputf8 || AddressCheck.isAscii(address)) {
            return Optional.of(address);
        }
        return AddressCheck.asciiForm(address);
    }
}
