package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * {@code auth forward}: once a mail is done with (delivered, or bounced with the client's
 * credentials), no copy of the client's password is left reachable anywhere in the JVM that runs
 * James and our jar: not as the password's bytes, nor as the base64 form AUTH PLAIN sends. A live
 * heap dump (unreachable objects left out) is searched for both, on the queued and the
 * synchronous path, with credentials held in memory and sealed with a key file. The password is
 * made here at random and the test keeps no reference to it but the bytes it searches with.
 */
class PasswordInHeapTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "synchronous {0}, key file {1}, a bounce {2}")
    @CsvSource({"false, false, false", "false, true, false", "false, false, true", "true, false, false", "true, true, false"})
    void noCopyOfTheClientsPasswordOutlivesItsMail(boolean synchronous, boolean keyFile, boolean bounce) throws Exception {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String secretHex = HexFormat.of().formatHex(random);
        // kept masked: an array holding the bytes searched for would itself be found
        byte[] password = masked(("pw-" + secretHex).getBytes(StandardCharsets.ISO_8859_1));
        byte[] authPlain = masked(Base64.getEncoder().encodeToString(("\0alice@example.com\0pw-" + secretHex).getBytes(StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.ISO_8859_1));
        try (RecordingDownstream downstream = new RecordingDownstream(rcpt -> rcpt.startsWith("bad@") ? "550 5.1.1 no such user" : "250 ok")) {
            downstream.acceptAnyAuth();
            sendOneMail(downstream, synchronous, keyFile, bounce, secretHex);
            secretHex = null;

            byte[] heap = liveHeap();
            assertThat(occurrences(heap, password)).as("the password's bytes in the live heap").isZero();
            assertThat(occurrences(heap, authPlain)).as("AUTH PLAIN's base64 of it").isZero();
        }
    }

    /** A James forwarding as the client, one mail through it, and James stopped: nothing of it is referenced from here after. */
    private void sendOneMail(RecordingDownstream downstream, boolean synchronous, boolean keyFile, boolean bounce, String secretHex)
        throws Exception {
        Map<String, String> forward = new HashMap<>(Map.of("targets", "tcp://127.0.0.1:" + downstream.port(), "starttls", "no",
            "allowPlaintextCredentials", "yes", "auth", "forward", "heloName", "relay.test"));
        if (keyFile) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            forward.put("credentialsKeyFile", Files.writeString(dir.resolve("forward.key"), Base64.getEncoder().encodeToString(key)).toString());
        }
        ForwardingJames.Options options = ForwardingJames.Options.forwarding(forward, ForwardingJames.Options.KEEP_FAILURES)
            .withUsers(Map.of("alice@example.com", "pw-" + secretHex));
        if (synchronous) {
            options = options.forwardingSynchronously(forward);
        }
        List<String> recipients = bounce ? List.of("b@example.com", "bad@example.com") : List.of("b@example.com");
        try (ForwardingJames james = ForwardingJames.start(options)) {
            SmtpClient.send(james.smtpPort(), "alice@example.com", "pw-" + secretHex, "alice@example.com", recipients,
                "Subject: as alice\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8), "");
            // the message, and with a bounce the DSN to alice, sent as alice
            downstream.awaitTaken(bounce ? 2 : 1, 60);
            // the workers settle the mail after the downstream's reply
            Thread.sleep(2000);
        }
    }

    private byte[] liveHeap() throws Exception {
        Path dump = dir.resolve("live.hprof");
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump.toString(), true);
        try {
            return Files.readAllBytes(dump);
        } finally {
            Files.delete(dump);
        }
    }

    private static final byte MASK = 0x5a;

    private static byte[] masked(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] ^= MASK;
        }
        return bytes;
    }

    /** How often the bytes {@code maskedNeedle} stands for appear in the heap dump. */
    private static int occurrences(byte[] heap, byte[] maskedNeedle) {
        int found = 0;
        outer:
        for (int i = 0; i + maskedNeedle.length <= heap.length; i++) {
            for (int j = 0; j < maskedNeedle.length; j++) {
                if ((byte) (heap[i + j] ^ MASK) != maskedNeedle[j]) {
                    continue outer;
                }
            }
            found++;
        }
        return found;
    }
}
