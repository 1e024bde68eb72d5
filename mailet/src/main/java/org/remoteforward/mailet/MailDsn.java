package org.remoteforward.mailet;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.remoteforward.sender.DsnRequest;
import org.remoteforward.sender.RecipientDsn;
import org.remoteforward.sender.Xtext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's DSN request (RFC 3461) as James keeps it, read into the sender's terms: from a mail
 * (James's DSN hooks put it there at the end of DATA, as attributes that survive any queue), or
 * from the pieces the SMTP session holds before that. One reading for both paths.
 *
 * <p>James keeps ENVID and ORCPT as the client sent them, xtext and all (ORCPT's address part
 * parsed as an address, undecoded): they are decoded here, once, so that the wire encodes them
 * once and a report shows them as the sender meant them. An ORCPT that is not valid xtext (a
 * client that sent the bare address) is taken as it is.
 */
public final class MailDsn {
    private static final Logger LOGGER = LoggerFactory.getLogger(MailDsn.class);

    private MailDsn() {
    }

    /** The mail's DSN request; {@link DsnRequest#NONE} when it has none, or one James cannot read (logged). */
    public static DsnRequest of(Mail mail) {
        Optional<DsnParameters> parameters;
        try {
            parameters = mail.dsnParameters();
        } catch (RuntimeException e) {
            LOGGER.warn("mail {}: its DSN attributes cannot be read ({}): forwarded without a DSN request", mail.getName(), e.getMessage());
            return DsnRequest.NONE;
        }
        if (parameters.isEmpty()) {
            return DsnRequest.NONE;
        }
        Map<String, RecipientDsn> recipients = new LinkedHashMap<>();
        parameters.get().getRcptParameters().forEach((address, dsn) -> recipients.put(address.asString(), recipient(dsn)));
        return new DsnRequest(parameters.get().getRetParameter().map(MailDsn::ret), parameters.get().getEnvIdParameter().map(MailDsn::envelopeId),
            recipients);
    }

    public static DsnRequest.Return ret(DsnParameters.Ret ret) {
        return ret == DsnParameters.Ret.FULL ? DsnRequest.Return.FULL : DsnRequest.Return.HDRS;
    }

    /** ENVID decoded; James took only valid xtext for it. */
    public static String envelopeId(DsnParameters.EnvId envId) {
        return Xtext.decode(envId.asString()).orElse(envId.asString());
    }

    public static RecipientDsn recipient(DsnParameters.RecipientDsnParameters dsn) {
        Set<RecipientDsn.Notify> notify = dsn.getNotifyParameter()
            .map(values -> values.stream().map(value -> RecipientDsn.Notify.valueOf(value.name())).collect(Collectors.toSet()))
            .orElse(Set.of());
        Optional<String> original = dsn.getOrcptParameter().map(MailAddress::asString).map(address -> Xtext.decode(address).orElse(address));
        return new RecipientDsn(notify, original);
    }
}
