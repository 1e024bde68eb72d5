package org.remoteforward.sender;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The message to the recipients a server accepted, once the envelope is through: by BDAT where
 * chunking is used, else by DATA (its 354 perhaps already read, when DATA was pipelined), and
 * each accepted recipient decided from the replies after it. I/O failures propagate: the caller
 * decides the recipients still pending.
 */
final class MessageTransfer {
    private MessageTransfer() {
    }

    static void send(SmtpSession session, Protocol protocol, boolean chunking, MessageSource message, List<String> accepted,
                     ResultLedger ledger, Optional<Reply> pipelinedDataReply) throws IOException {
        int finalReplies = protocol == Protocol.LMTP ? accepted.size() : 1;
        SmtpSession.ReplyHandler decide = ledger.finalReplies(protocol, accepted);
        if (chunking) {
            Reply refused = session.transferChunked(message, finalReplies, decide);
            if (refused != null) {
                accepted.stream().filter(ledger.pending()::contains).forEach(r -> ledger.refused(r, refused, "BDAT"));
            }
            return;
        }
        Reply dataReply = pipelinedDataReply.isPresent() ? pipelinedDataReply.get() : session.command("DATA");
        if (dataReply.code() != 354) {
            if (dataReply.isPositive()) {
                throw new ProtocolException("answered DATA with " + dataReply + " instead of 354");
            }
            accepted.forEach(r -> ledger.refused(r, dataReply, "DATA"));
            return;
        }
        session.transferMessage(message, finalReplies, decide);
    }
}
