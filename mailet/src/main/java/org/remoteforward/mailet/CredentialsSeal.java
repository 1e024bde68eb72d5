package org.remoteforward.mailet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.remoteforward.sender.Credentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals the credentials an SMTP client authenticated with into its mail, for {@code auth forward}
 * on several James nodes: AES-256-GCM under a key every node reads from the same key file, bound to
 * the mail's envelope sender (moved onto a mail from anyone else, they do not open). Whatever James
 * writes to a queue holds only the sealed form ({@value #ATTRIBUTE_NAME}); any node with the key
 * opens it, after a restart too. The key is read once and never logged; {@link #toString()} shows
 * only where it came from and its id ({@link #keyId}), which the sealed form carries too, so that a
 * node with another key can say which key a mail was sealed with.
 */
public final class CredentialsSeal {
    public static final String ATTRIBUTE_NAME = "org.remoteforward.sealedCredentials";
    public static final AttributeName SEALED = AttributeName.of(ATTRIBUTE_NAME);
    /** v2: {@code v2.<key id>.<nonce and sealed bytes>}; v1 (no key id) is still opened. */
    private static final String VERSION = "v2.";
    private static final String VERSION_1 = "v1.";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOGGER = LoggerFactory.getLogger(CredentialsSeal.class);

    private final SecretKeySpec key;
    private final Path file;
    private final String keyId;

    private CredentialsSeal(byte[] key, Path file) {
        this.key = new SecretKeySpec(key, "AES");
        this.file = file;
        this.keyId = keyIdOf(key);
    }

    /**
     * The key's id: {@code k} and 12 hex digits of a SHA-256 of the key under a label of its own,
     * which says which key a mail was sealed with and reveals nothing usable of the key.
     */
    public String keyId() {
        return keyId;
    }

    private static String keyIdOf(byte[] key) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update("org.remoteforward credentials key id\n".getBytes(StandardCharsets.US_ASCII));
            return "k" + HexFormat.of().formatHex(digest.digest(key), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** The id of the key the mail's credentials were sealed with; empty when none is sealed in, or by a version without ids. */
    public static Optional<String> sealedKeyId(Mail mail) {
        return mail.getAttribute(SEALED).map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance).map(String.class::cast)
            .filter(sealed -> keyIdEnd(sealed) > 0)
            .map(sealed -> sealed.substring(VERSION.length(), keyIdEnd(sealed)));
    }

    /** Where the key id of a v2 seal ends (the dot after it); -1 for anything else. */
    private static int keyIdEnd(String sealed) {
        return sealed.startsWith(VERSION) ? sealed.indexOf('.', VERSION.length()) : -1;
    }

    /** The key file this seal's key came from. */
    public Path file() {
        return file;
    }

    /**
     * Reads the key: 32 bytes, written as base64 ({@code openssl rand -base64 32}), as 64 hex
     * digits, or raw; warns when others than the file's owner may read it.
     *
     * @throws IllegalArgumentException saying what is wrong with the file, never what it holds
     */
    public static CredentialsSeal fromFile(Path file) {
        CredentialsSeal seal = read(file);
        if (readableByOthers(file)) {
            LOGGER.warn("credentialsKeyFile: {} may be read by others than its owner; chmod 600 it", file);
        }
        return seal;
    }

    private static CredentialsSeal read(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the key file " + file + ": " + e.getMessage(), e);
        }
        try {
            return new CredentialsSeal(decode(content).orElseThrow(() -> new IllegalArgumentException("the key file " + file
                + " holds no 256-bit key: write 32 random bytes as base64, e.g. openssl rand -base64 32 > " + file)), file);
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    private static Optional<byte[]> decode(byte[] content) {
        if (content.length == KEY_BYTES) {
            return Optional.of(content.clone());
        }
        String text = new String(content, StandardCharsets.US_ASCII).trim();
        try {
            byte[] key = text.length() == 2 * KEY_BYTES ? HexFormat.of().parseHex(text) : Base64.getDecoder().decode(text);
            return key.length == KEY_BYTES ? Optional.of(key) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            return permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Puts the sealed credentials into the mail, bound to its sender. */
    public void sealInto(Mail mail, Credentials credentials) {
        mail.setAttribute(new Attribute(SEALED, AttributeValue.of(seal(credentials, boundTo(mail)))));
    }

    /** Whether the mail carries sealed credentials (this seal may or may not open them). */
    public static boolean isSealed(Mail mail) {
        return mail.getAttribute(SEALED).isPresent();
    }

    /** The mail's credentials; empty when they were sealed with another key, for a mail of another sender, or altered. */
    public Optional<Credentials> openFrom(Mail mail) {
        return mail.getAttribute(SEALED).map(attribute -> attribute.getValue().getValue())
            .filter(String.class::isInstance).map(String.class::cast)
            .flatMap(sealed -> open(sealed, boundTo(mail)));
    }

    /** Seals the credentials of {@code from} into {@code to} (a bounce sent with them), bound to {@code to}'s sender. */
    public void extendTo(Mail from, Mail to) {
        openFrom(from).ifPresent(credentials -> sealInto(to, credentials));
    }

    String seal(Credentials credentials, String boundTo) {
        try {
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(plain);
            out.writeUTF(credentials.username());
            out.writeUTF(credentials.password());
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(boundTo));
            byte[] plainBytes = plain.toByteArray();
            byte[] sealed = cipher.doFinal(plainBytes);
            Arrays.fill(plainBytes, (byte) 0);
            byte[] all = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, all, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, all, NONCE_BYTES, sealed.length);
            return VERSION + keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    Optional<Credentials> open(String sealed, String boundTo) {
        String encoded;
        if (sealed.startsWith(VERSION_1)) {
            encoded = sealed.substring(VERSION_1.length());
        } else if (keyIdEnd(sealed) > 0) {
            encoded = sealed.substring(keyIdEnd(sealed) + 1);
        } else {
            return Optional.empty();
        }
        try {
            byte[] all = Base64.getUrlDecoder().decode(encoded);
            if (all.length <= NONCE_BYTES) {
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData(boundTo));
            byte[] plain = cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain))) {
                return Optional.of(new Credentials(in.readUTF(), in.readUTF()));
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            // another key, another sender, or altered: all the same to the caller
            return Optional.empty();
        }
    }

    private static String boundTo(Mail mail) {
        return mail.getMaybeSender().asString("");
    }

    private static byte[] associatedData(String sender) {
        return (ATTRIBUTE_NAME + "\n" + sender).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "CredentialsSeal[key " + keyId + " from " + file + "]";
    }
}
