package org.remoteforward.sender;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a one-line secret (a client secret, a refresh token, an access token) from its file; messages name the file, never what it holds. */
final class SecretFiles {
    /** A secret or token is a few KB at most (a JWT); a bigger file is not one. */
    static final long MAX_BYTES = 64 * 1024;

    private SecretFiles() {
    }

    /**
     * @param what what the file holds, for messages ("client secret")
     * @param parameter the parameter that names the file, for messages
     */
    static String read(Path file, String what, String parameter) throws TokenUnavailableException {
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new TokenUnavailableException("the " + what + " file " + file + " (" + parameter + ") holds " + size
                    + " bytes, more than any " + what);
            }
            String value = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (value.isEmpty() || value.chars().anyMatch(c -> c < ' ' || c >= 0x7f)) {
                throw new TokenUnavailableException("the " + what + " file " + file + " (" + parameter + ") is empty"
                    + " or holds more than one line of visible ASCII");
            }
            return value;
        } catch (TokenUnavailableException e) {
            throw e;
        } catch (IOException e) {
            // MalformedInputException included: its message would not name a secret, but the class says enough
            throw new TokenUnavailableException("cannot read the " + what + " file " + file + " (" + parameter + "): "
                + e.getClass().getSimpleName());
        }
    }
}
