package org.remoteforward.sender;

import java.util.Objects;
import java.util.Optional;

/**
 * The client a message first came from, as Postfix's XFORWARD passes it on to a server that
 * trusts this relay with it: so that the downstream's logs (Postfix's {@code orig_client=}) and
 * its policy checks see the original client beside the relay. Empty values go as
 * {@code [UNAVAILABLE]}.
 *
 * @param address the client's IP address
 * @param name the client's host name, as the receiving server resolved it
 * @param helo the name the client gave in HELO/EHLO
 * @param protocol {@code SMTP} or {@code ESMTP}, as the client spoke
 * @param local whether the message was submitted locally rather than received over the network
 */
public record ClientOrigin(Optional<String> address, Optional<String> name, Optional<String> helo, Optional<String> protocol,
                           boolean local) {
    public ClientOrigin {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(helo, "helo");
        Objects.requireNonNull(protocol, "protocol");
    }
}
