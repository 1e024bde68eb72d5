package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
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
    /** A token is a few KB at most (a JWT); a bigger file is not a token file. */
    static final long MAX_BYTES = 64 * 1024;

    private final Path file;
    private AccessToken cached;
    private FileTime cachedModified;
    private long cachedSize = -1;

    public TokenFile(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public synchronized AccessToken current() throws TokenUnavailableException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new TokenUnavailableException("cannot read the access token file " + file + " (oauthTokenFile): " + e.getClass().getSimpleName());
        }
        if (cached != null && attributes.lastModifiedTime().equals(cachedModified) && attributes.size() == cachedSize) {
            return cached;
        }
        if (attributes.size() > MAX_BYTES) {
            throw new TokenUnavailableException("the access token file " + file + " (oauthTokenFile) holds " + attributes.size()
                + " bytes, more than a token");
        }
        String value;
        try {
            value = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new TokenUnavailableException("cannot read the access token file " + file + " (oauthTokenFile): " + e.getClass().getSimpleName());
        }
        if (value.isEmpty()) {
            throw new TokenUnavailableException("the access token file " + file + " (oauthTokenFile) is empty");
        }
        try {
            cached = new AccessToken(value, file.toString());
        } catch (IllegalArgumentException e) {
            throw new TokenUnavailableException(e.getMessage() + " (oauthTokenFile)");
        }
        cachedModified = attributes.lastModifiedTime();
        cachedSize = attributes.size();
        return cached;
    }

    @Override
    public synchronized void refused(AccessToken token) {
        if (token.equals(cached)) {
            cached = null;
        }
    }
}
