package org.remoteforward.sender;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 3461 arguments of MAIL FROM (RET, ENVID) and RCPT TO (NOTIFY, ORCPT), for a server
 * that advertises DSN; a server that does not gets none (it would refuse them). ENVID and ORCPT go
 * xtext-encoded. A value longer than RFC 3461 lets a server refuse (ENVID over 100 characters,
 * ORCPT over 500) is left out rather than have the whole command refused for it.
 */
final class DsnArguments {
    private static final Logger LOGGER = LoggerFactory.getLogger(DsnArguments.class);
    /** RFC 3461 4.4. */
    private static final int MAX_ENVID = 100;
    /** RFC 3461 4.2. */
    private static final int MAX_ORCPT = 500;

    private DsnArguments() {
    }

    /** {@code " RET=… ENVID=…"}, or nothing. */
    static String mailFrom(DsnRequest dsn, Capabilities capabilities) {
        if (!capabilities.has("DSN")) {
            return "";
        }
        StringBuilder arguments = new StringBuilder();
        dsn.ret().ifPresent(ret -> arguments.append(" RET=").append(ret.name()));
        within("ENVID", dsn.envelopeId().map(Xtext::encode), MAX_ENVID).ifPresent(envid -> arguments.append(" ENVID=").append(envid));
        return arguments.toString();
    }

    /** {@code " NOTIFY=… ORCPT=rfc822;…"}, or nothing. */
    static String rcptTo(RecipientDsn dsn, Capabilities capabilities) {
        if (!capabilities.has("DSN")) {
            return "";
        }
        StringBuilder arguments = new StringBuilder();
        if (!dsn.notices().isEmpty()) {
            // in the enum's order, NEVER alone (RFC 3461 4.1)
            arguments.append(" NOTIFY=").append(Arrays.stream(RecipientDsn.Notify.values()).filter(dsn.notices()::contains)
                .map(Enum::name).collect(Collectors.joining(",")));
        }
        within("ORCPT", dsn.originalRecipient().map(address -> "rfc822;" + Xtext.encode(address)), MAX_ORCPT)
            .ifPresent(orcpt -> arguments.append(" ORCPT=").append(orcpt));
        return arguments.toString();
    }

    private static Optional<String> within(String parameter, Optional<String> value, int limit) {
        if (value.isPresent() && value.get().length() > limit) {
            LOGGER.info("{} of {} characters left out: RFC 3461 lets a server refuse one over {}", parameter, value.get().length(), limit);
            return Optional.empty();
        }
        return value;
    }
}
