package org.remoteforward.sender;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code oauthRefreshTokenFile}: the refresh token of the refresh token grant. Read when it
 * changes on disk (another tool, or the operator, put a new one there); a rotated token from the
 * endpoint replaces it atomically (a temporary file in the same folder, flushed, then moved over
 * it), with the old file's permissions, so that a crash leaves either token, never half of one.
 * When the file cannot be written the rotated token is kept in memory, and an error says so.
 *
 * <p>Locking: synchronized; only {@link TokenEndpoint}'s one fetch at a time calls it.
 */
final class RefreshTokenFile {
    private static final Logger LOGGER = LoggerFactory.getLogger(RefreshTokenFile.class);

    private final Path file;
    private String value;
    private FileStamp readStamp;

    RefreshTokenFile(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The refresh token to send: the file's, when it changed since last read or written, else the one held. */
    synchronized String current() throws TokenUnavailableException {
        FileStamp stamp;
        try {
            stamp = FileStamp.of(file);
        } catch (IOException e) {
            if (value != null) {
                return value;
            }
            throw new TokenUnavailableException("cannot read the refresh token file " + file + " (oauthRefreshTokenFile): "
                + e.getClass().getSimpleName());
        }
        if (value != null && stamp.equals(readStamp)) {
            return value;
        }
        value = SecretFiles.read(file, "refresh token", "oauthRefreshTokenFile");
        readStamp = stamp;
        return value;
    }

    /** The endpoint sent a new refresh token: it replaces the file's, atomically. */
    synchronized void rotated(String newValue) {
        if (newValue.equals(value)) {
            return;
        }
        value = newValue;
        Path folder = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            temporary = Files.createTempFile(folder, "." + file.getFileName() + ".", ".new");
            PosixFileAttributeView permissions = Files.getFileAttributeView(file, PosixFileAttributeView.class);
            if (permissions != null) {
                Files.setPosixFilePermissions(temporary, permissions.readAttributes().permissions());
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(StandardCharsets.US_ASCII.encode(newValue + "\n"));
                channel.force(true);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
            readStamp = FileStamp.of(file);
        } catch (IOException | UnsupportedOperationException e) {
            // the new token still works from memory; only a restart would fall back to the old one
            LOGGER.error("The token endpoint rotated the refresh token, and it could not be saved to {} (oauthRefreshTokenFile): {}: {};"
                + " it is kept in memory until James stops, so save a fresh one there before then", file, e.getClass().getSimpleName(),
                PrintableText.line(String.valueOf(e.getMessage())));
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the error above already says the file was not saved
                }
            }
        }
    }
}
