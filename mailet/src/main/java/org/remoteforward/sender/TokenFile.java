package org.remoteforward.sender;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code oauthTokenFile}: the access token some other tool keeps fresh in a file (an OAuth helper,
 * a sidecar), re-read whenever the file changes (its modification time or size), and after the
 * server refused the token it held, so that a token rewritten within the same second is not missed.
 * Surrounding white space is dropped; nothing else of the file is interpreted.
 *
 * <p>Locking: {@link #current} and {@link #refused} are synchronized; a read is one small file,
 * and no I/O to a server happens under the lock.
 */
public final class TokenFile implements AccessTokens {
    private final Path file;
    private AccessToken cached;
    private FileStamp cachedStamp;

    public TokenFile(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public synchronized AccessToken current() throws TokenUnavailableException {
        FileStamp stamp;
        try {
            stamp = FileStamp.of(file);
        } catch (IOException e) {
            throw new TokenUnavailableException("cannot read the access token file " + file + " (oauthTokenFile): " + e.getClass().getSimpleName());
        }
        if (cached != null && stamp.equals(cachedStamp)) {
            return cached;
        }
        String value = SecretFiles.read(file, "access token", "oauthTokenFile");
        try {
            cached = new AccessToken(value, file.toString());
        } catch (IllegalArgumentException e) {
            throw new TokenUnavailableException(e.getMessage() + " (oauthTokenFile)");
        }
        cachedStamp = stamp;
        return cached;
    }

    @Override
    public synchronized void refused(AccessToken token) {
        if (token.equals(cached)) {
            cached = null;
        }
    }
}
