package org.remoteforward.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A private Dovecot (LMTP and auth) on a free loopback port and Unix sockets under {@code dir},
 * with a static passwd-file: {@code known@example.com} and {@code alice@example.com} exist, any
 * other user does not. Mail is stored in maildirs under {@code dir/mail}.
 */
public final class Dovecot implements AutoCloseable {
    static final String ALICE = "alice@example.com";
    static final String ALICE_PASSWORD = "alice-pw";

    private final Process process;
    private final Path dir;
    private final int lmtpPort;

    private Dovecot(Process process, Path dir, int lmtpPort) {
        this.process = process;
        this.dir = dir;
        this.lmtpPort = lmtpPort;
    }

    public static Dovecot start(Path dir) throws Exception {
        return start(dir, List.of("auth_mechanisms = plain",
            "passdb {", "  driver = passwd-file", "  args = " + dir.resolve("users"), "}"));
    }

    /**
     * As {@link #start(Path)}, its auth service taking OAuth 2.0 bearer tokens (XOAUTH2,
     * OAUTHBEARER) and checking each with the token introspection endpoint at {@code
     * introspectionUrl} (RFC 7662, POSTed), whose answer names the user. No auth cache: every
     * AUTH asks the endpoint, so a revoked token is refused at once.
     */
    static Dovecot startWithOAuth(Path dir, String introspectionUrl) throws Exception {
        Daemons.openFolder(dir, "rwxr-xr-x");
        Path oauth = dir.resolve("dovecot-oauth2.conf.ext");
        Files.write(oauth, List.of(
            "introspection_url = " + introspectionUrl,
            "introspection_mode = post",
            "username_attribute = username",
            "active_attribute = active",
            "active_value = true"));
        return start(dir, List.of("auth_mechanisms = xoauth2 oauthbearer",
            "passdb {", "  driver = oauth2", "  mechanisms = xoauth2 oauthbearer", "  args = " + oauth, "}"));
    }

    private static Dovecot start(Path dir, List<String> auth) throws Exception {
        Daemons.openFolder(dir, "rwxr-xr-x");
        Daemons.openFolder(dir.resolve("mail"), "rwxrwxrwx");
        Files.writeString(dir.resolve("users"),
            "known@example.com:{PLAIN}known-pw:65534:65534::" + dir.resolve("mail/known") + "\n"
                + ALICE + ":{PLAIN}" + ALICE_PASSWORD + ":65534:65534::" + dir.resolve("mail/alice") + "\n");
        int port = Daemons.freePort();
        List<String> settings = new java.util.ArrayList<>(List.of(
            "protocols = lmtp",
            "ssl = no",
            "disable_plaintext_auth = no",
            "first_valid_uid = 1",
            "mail_location = maildir:~/Maildir"));
        settings.addAll(auth);
        settings.addAll(List.of(
            "userdb {", "  driver = passwd-file", "  args = " + dir.resolve("users"), "}",
            "service lmtp {",
            "  inet_listener lmtp {", "    address = 127.0.0.1", "    port = " + port, "  }",
            "  unix_listener " + dir.resolve("lmtp.sock") + " {", "    mode = 0666", "  }",
            "}",
            "service auth {",
            "  unix_listener " + dir.resolve("auth") + " {", "    mode = 0666", "  }",
            "}"));
        Process process = Daemons.dovecot(dir, port, settings);
        return new Dovecot(process, dir, port);
    }

    public int lmtpPort() {
        return lmtpPort;
    }

    Path lmtpSocket() {
        return dir.resolve("lmtp.sock");
    }

    Path authSocket() {
        return dir.resolve("auth");
    }

    /** The messages stored for a user (local part), once {@code count} have arrived. */
    public List<Path> awaitMessages(String localPart, int count) throws Exception {
        return Daemons.awaitMessages(dir.resolve("mail").resolve(localPart).resolve("Maildir/new"), count);
    }

    String log() throws Exception {
        return Files.readString(dir.resolve("dovecot.log"));
    }

    @Override
    public void close() throws Exception {
        Daemons.stop(process);
    }
}
