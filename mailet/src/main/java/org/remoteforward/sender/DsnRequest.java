package org.remoteforward.sender;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the sending client asked of delivery status notifications (RFC 3461): passed on to a
 * downstream that advertises DSN, and honoured by the notices this relay sends itself.
 *
 * @param ret MAIL FROM's RET: what a failure notice returns of the message
 * @param envelopeId MAIL FROM's ENVID, decoded from its xtext
 * @param recipients each recipient's NOTIFY and ORCPT, by the recipient's address as the envelope has it;
 *     a recipient missing here asked for nothing
 */
public record DsnRequest(Optional<Return> ret, Optional<String> envelopeId, Map<String, RecipientDsn> recipients) {
    public static final DsnRequest NONE = new DsnRequest(Optional.empty(), Optional.empty(), Map.of());

    /** RET's values. */
    public enum Return {
        /** the whole message */
        FULL,
        /** its header only */
        HDRS
    }

    public DsnRequest {
        Objects.requireNonNull(ret, "ret");
        Objects.requireNonNull(envelopeId, "envelopeId");
        recipients = Map.copyOf(recipients);
    }

    /** What {@code recipient} asked for; {@link RecipientDsn#NONE} when nothing. */
    public RecipientDsn recipient(String recipient) {
        return recipients.getOrDefault(recipient, RecipientDsn.NONE);
    }
}
