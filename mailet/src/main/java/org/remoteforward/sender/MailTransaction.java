package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One message over a ready session: AUTH, the checks that need the server's capabilities
 * (SIZE, 8BITMIME, SMTPUTF8), MAIL FROM, RCPT TO for each recipient, DATA and the final
 * reply or replies. Each recipient's outcome goes into the ledger as soon as it is known.
 * I/O failures propagate: the caller decides the recipients still pending.
 */
final class MailTransaction {
    private final SmtpSession session;
    private final SenderSettings settings;
    private final Envelope envelope;
    private final MessageSource message;
    private final ResultLedger ledger;

    MailTransaction(SmtpSession session, SenderSettings settings, Envelope envelope, MessageSource message, ResultLedger ledger) {
        this.session = session;
        this.settings = settings;
        this.envelope = envelope;
        this.message = message;
        this.ledger = ledger;
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
        Reply mailReply = session.command(mail.toString());
        if (!mailReply.isPositive()) {
            ledger.refusedAllPending(mailReply, "MAIL FROM");
            return;
        }

        List<String> accepted = new ArrayList<>();
        for (Map.Entry<String, String> recipient : wireRecipients.entrySet()) {
            Reply reply = session.command("RCPT TO:<" + recipient.getValue() + ">");
            if (reply.isPositive()) {
                accepted.add(recipient.getKey());
            } else {
                ledger.refused(recipient.getKey(), reply, "RCPT TO");
            }
        }
        if (accepted.isEmpty()) {
            // nobody to send to: DATA would only be refused, and leaving the transaction open is harmless
            return;
        }

        Reply dataReply = session.command("DATA");
        if (dataReply.code() != 354) {
            if (dataReply.isPositive()) {
                throw new ProtocolException("answered DATA with " + dataReply + " instead of 354");
            }
            accepted.forEach(r -> ledger.refused(r, dataReply, "DATA"));
            return;
        }
        if (settings.protocol() == Protocol.LMTP) {
            Iterator<String> owners = accepted.iterator();
            session.transferMessage(message, accepted.size(), reply -> decideAfterData(owners.next(), reply));
        } else {
            session.transferMessage(message, 1, reply -> accepted.forEach(r -> decideAfterData(r, reply)));
        }
    }

    private void decideAfterData(String recipient, Reply reply) {
        if (reply.isPositive()) {
            ledger.delivered(recipient, reply);
        } else {
            ledger.refused(recipient, reply, "the message");
        }
    }

    /** False when AUTH decided every recipient; true to go on. */
    private boolean authenticate() throws IOException {
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
