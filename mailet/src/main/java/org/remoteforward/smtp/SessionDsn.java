package org.remoteforward.smtp;

import java.util.Map;
import java.util.Optional;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.smtpserver.dsn.DSNMailParameterHook;
import org.apache.mailet.DsnParameters;
import org.remoteforward.mailet.MailDsn;
import org.remoteforward.sender.DsnRequest;
import org.remoteforward.sender.RecipientDsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's DSN request while its transaction is under way, before James puts it on the mail at
 * the end of DATA: RET and ENVID where James's {@code DSNMailParameterHook} kept them in the
 * session at MAIL, NOTIFY and ORCPT from each RCPT's own parameters (read the way James's
 * {@code DSNRcptParameterHook} reads them; James refuses them unless that hook is configured).
 */
final class SessionDsn {
    private static final Logger LOGGER = LoggerFactory.getLogger(SessionDsn.class);

    private SessionDsn() {
    }

    /** RET and ENVID from MAIL FROM. */
    static DsnRequest envelope(SMTPSession session) {
        Optional<DsnRequest.Return> ret = session.getAttachment(DSNMailParameterHook.DSN_RET, ProtocolSession.State.Transaction)
            .map(MailDsn::ret);
        Optional<String> envelopeId = session.getAttachment(DSNMailParameterHook.DSN_ENVID, ProtocolSession.State.Transaction)
            .map(MailDsn::envelopeId);
        return new DsnRequest(ret, envelopeId, Map.of());
    }

    /** NOTIFY and ORCPT from one RCPT's parameters; none when they cannot be read (James's own hook refuses those). */
    static RecipientDsn recipient(Map<String, String> rcptParameters) {
        try {
            return DsnParameters.RecipientDsnParameters.fromSMTPArgLine(rcptParameters).map(MailDsn::recipient).orElse(RecipientDsn.NONE);
        } catch (IllegalArgumentException e) {
            LOGGER.debug("RCPT DSN parameters not understood: {}", e.getMessage());
            return RecipientDsn.NONE;
        }
    }
}
