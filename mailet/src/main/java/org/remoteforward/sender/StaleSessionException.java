package org.remoteforward.sender;

import java.io.IOException;

/**
 * A pooled session failed before it answered anything of the transaction it was taken for: the
 * server let the idle connection go (closed it, said 421, or stopped answering). Nothing of the
 * transaction can have taken effect, since no reply came and the message is only sent after
 * replies, so the caller takes another session and starts the transaction again there.
 */
final class StaleSessionException extends IOException {
    StaleSessionException(Endpoint endpoint, IOException cause) {
        super(endpoint + " let the pooled connection go while it was idle: " + cause.getMessage(), cause);
    }
}
