package org.remoteforward.smtp;

import java.net.InetSocketAddress;
import java.util.Optional;

import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.remoteforward.sender.ClientOrigin;

/** The client of an SMTP session, for XFORWARD: its address, the name it has without a new lookup, its HELO and how it greeted. */
final class SessionOrigin {
    private SessionOrigin() {
    }

    static ClientOrigin of(SMTPSession session) {
        InetSocketAddress remote = session.getRemoteAddress();
        Optional<String> address = Optional.ofNullable(remote).map(InetSocketAddress::getAddress).map(a -> a.getHostAddress());
        // getHostString gives the name only when it is already known, and never looks one up
        Optional<String> name = Optional.ofNullable(remote).map(InetSocketAddress::getHostString)
            .filter(host -> !address.map(host::equals).orElse(false));
        Optional<String> helo = session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection);
        Optional<String> protocol = session.getAttachment(SMTPSession.CURRENT_HELO_MODE, ProtocolSession.State.Connection)
            .map(mode -> mode.equalsIgnoreCase("EHLO") ? "ESMTP" : "SMTP");
        return new ClientOrigin(address, name, helo, protocol, false);
    }
}
