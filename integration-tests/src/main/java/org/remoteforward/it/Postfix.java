package org.remoteforward.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Postfix: its own config, queue and data folders under {@code dir}, the master
 * process in the foreground, smtpd on free 127.0.0.1 ports only. Every recipient at example.com
 * is delivered by virtual(8) to the one maildir {@code dir/maildirs/inbox}, with the
 * Delivered-To, X-Original-To and Return-Path headers that tell the envelope.
 */
public final class Postfix implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int smtpPort;
    private final int smtpsPort;

    private Postfix(Process process, Path dir, int smtpPort, int smtpsPort) {
        this.process = process;
        this.dir = dir;
        this.smtpPort = smtpPort;
        this.smtpsPort = smtpsPort;
    }

    /** How to set it up. */
    public static final class Setup {
        private Path certificate;
        private Path key;
        private Path authSocket;
        private boolean implicitTlsPort;
        private int port;
        private int lmtpPort;
        private boolean xforward;
        private boolean withoutDsn;
        private long messageSizeLimit = 41943040;
        private final Map<String, String> refusedRecipients = new LinkedHashMap<>();
        private final Map<String, String> refusedAtEndOfData = new LinkedHashMap<>();
        private final Map<String, String> failedAtDelivery = new LinkedHashMap<>();

        /** STARTTLS with this certificate (and on the implicit TLS port, when there is one). */
        Setup tls(Path certificate, Path key) {
            this.certificate = certificate;
            this.key = key;
            return this;
        }

        /** Requires SASL authentication through Dovecot's auth socket, and records the user in Received. */
        Setup requireAuthVia(Path dovecotAuthSocket) {
            this.authSocket = dovecotAuthSocket;
            return this;
        }

        /** Listen on this port rather than a free one (to come up where James already sends). */
        Setup port(int port) {
            this.port = port;
            return this;
        }

        Setup implicitTlsPort() {
            this.implicitTlsPort = true;
            return this;
        }

        /** Answers RCPT TO for {@code recipient} with {@code reply} (code, enhanced status, text). */
        Setup refuseRecipient(String recipient, String reply) {
            refusedRecipients.put(recipient, reply);
            return this;
        }

        /** Answers the end of each message from {@code sender} with {@code reply} instead of taking it. */
        Setup refuseAtEndOfData(String sender, String reply) {
            refusedAtEndOfData.put(sender, reply);
            return this;
        }

        /**
         * Takes mail for {@code recipient} and then fails its delivery with {@code status} (an
         * enhanced code and text): Postfix itself then bounces it, as its sender's NOTIFY allows.
         */
        Setup failAtDelivery(String recipient, String status) {
            failedAtDelivery.put(recipient, "error:" + status);
            return this;
        }

        /** Takes messages of at most {@code octets} (message_size_limit, which it advertises as SIZE). */
        Setup messageSizeLimit(long octets) {
            this.messageSizeLimit = octets;
            return this;
        }

        /** Does not advertise DSN (smtpd_discard_ehlo_keywords): a downstream that cannot take a DSN request on. */
        Setup withoutDsn() {
            this.withoutDsn = true;
            return this;
        }

        /** Offers XFORWARD to 127.0.0.0/8 (smtpd_authorized_xforward_hosts): it records the client a relay passes on. */
        Setup authorizeXforward() {
            this.xforward = true;
            return this;
        }

        /** Delivers every accepted message over LMTP to 127.0.0.1:{@code port} instead of to the maildir. */
        public Setup lmtpTo(int port) {
            this.lmtpPort = port;
            return this;
        }

        public Postfix start(Path dir) throws Exception {
            return Postfix.start(dir, this);
        }
    }

    public static Setup setup() {
        return new Setup();
    }

    private static Postfix start(Path dir, Setup setup) throws Exception {
        Daemons.requireInstalled(Path.of("/usr/sbin/postfix"), "postfix");
        Daemons.openFolder(dir, "rwxr-xr-x");
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Daemons.openFolder(dir.resolve("maildirs"), "rwxrwxrwx");
        new ProcessBuilder("chown", "postfix", data.toString()).inheritIO().start().waitFor();
        int smtpPort = setup.port > 0 ? setup.port : Daemons.freePort();
        int smtpsPort = setup.implicitTlsPort ? Daemons.freePort() : -1;

        List<String> main = new ArrayList<>(List.of(
            "compatibility_level = 3.6",
            "queue_directory = " + dir.resolve("queue"),
            "data_directory = " + data,
            "meta_directory = /etc/postfix",
            "mail_owner = postfix",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "myhostname = mx.test",
            "mydomain = test",
            "mydestination =",
            "mynetworks = 127.0.0.0/8",
            "maillog_file = /dev/stdout",
            // no header rewriting for anyone: what James forwards is what lands
            "local_header_rewrite_clients =",
            "smtputf8_enable = yes",
            "message_size_limit = " + setup.messageSizeLimit,
            "virtual_mailbox_domains = example.com",
            "virtual_mailbox_base = " + dir.resolve("maildirs"),
            "virtual_mailbox_maps = static:inbox/",
            "virtual_mailbox_limit = 0",
            "virtual_uid_maps = static:65534",
            "virtual_gid_maps = static:65534"));
        if (setup.withoutDsn) {
            main.add("smtpd_discard_ehlo_keywords = dsn");
        }
        if (setup.xforward) {
            main.add("smtpd_authorized_xforward_hosts = 127.0.0.0/8");
        }
        if (setup.lmtpPort > 0) {
            main.add("virtual_transport = lmtp:inet:127.0.0.1:" + setup.lmtpPort);
        }
        if (setup.certificate != null) {
            Path tlsDir = Daemons.openFolder(dir.resolve("tls"), "rwxr-xr-x");
            Path certificate = Files.copy(setup.certificate, tlsDir.resolve("cert.pem"));
            Path key = Files.copy(setup.key, tlsDir.resolve("key.pem"));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
            main.addAll(List.of(
                "smtpd_tls_cert_file = " + certificate,
                "smtpd_tls_key_file = " + key,
                "smtpd_tls_security_level = may",
                "smtpd_tls_received_header = yes"));
        }
        // texthash: tables are read as text when Postfix starts; no postmap, which wants a main.cf of its own
        String refusals = "";
        if (!setup.refusedRecipients.isEmpty()) {
            refusals = "check_recipient_access texthash:" + accessTable(conf.resolve("recipient_access"), setup.refusedRecipients) + ", ";
        }
        if (setup.authSocket != null) {
            main.addAll(List.of(
                "smtpd_sasl_auth_enable = yes",
                "smtpd_sasl_type = dovecot",
                "smtpd_sasl_path = " + setup.authSocket,
                "smtpd_tls_auth_only = " + (setup.certificate != null ? "yes" : "no"),
                "smtpd_sasl_authenticated_header = yes",
                "smtpd_recipient_restrictions = " + refusals + "permit_sasl_authenticated, reject"));
        } else if (!refusals.isEmpty()) {
            main.add("smtpd_recipient_restrictions = " + refusals + "permit_mynetworks, reject");
        }
        if (!setup.refusedAtEndOfData.isEmpty()) {
            main.add("smtpd_end_of_data_restrictions = check_sender_access texthash:"
                + accessTable(conf.resolve("end_of_data_access"), setup.refusedAtEndOfData));
        }
        if (!setup.failedAtDelivery.isEmpty()) {
            main.add("transport_maps = texthash:" + accessTable(conf.resolve("transport"), setup.failedAtDelivery));
            // else smtpd refuses at RCPT an address its error(8) transport would bounce
            main.add("smtpd_reject_unlisted_recipient = no");
        }
        Files.write(conf.resolve("main.cf"), main);

        List<String> master = new ArrayList<>(List.of(
            "127.0.0.1:" + smtpPort + " inet n - n - - smtpd"));
        if (setup.implicitTlsPort) {
            master.add("127.0.0.1:" + smtpsPort + " inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt");
        }
        master.addAll(List.of(
            "cleanup   unix  n - n - 0 cleanup",
            "qmgr      unix  n - n 300 1 qmgr",
            "rewrite   unix  - - n - - trivial-rewrite",
            "bounce    unix  - - n - 0 bounce",
            "defer     unix  - - n - 0 bounce",
            "trace     unix  - - n - 0 bounce",
            "verify    unix  - - n - 1 verify",
            "flush     unix  n - n 1000? 0 flush",
            "proxymap  unix  - - n - - proxymap",
            "showq     unix  n - n - - showq",
            "error     unix  - - n - - error",
            "retry     unix  - - n - - error",
            "discard   unix  - - n - - discard",
            "virtual   unix  - n n - - virtual",
            "lmtp      unix  - - n - - lmtp",
            "anvil     unix  - - n - 1 anvil",
            "scache    unix  - - n - 1 scache",
            "postlog   unix-dgram n - n - 1 postlogd",
            "tlsmgr    unix  - - n 1000? 1 tlsmgr"));
        Files.write(conf.resolve("master.cf"), master);

        Path log = dir.resolve("postfix.log");
        Process process = new ProcessBuilder("postfix", "-c", conf.toString(), "start-fg")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Postfix postfix = new Postfix(process, dir, smtpPort, smtpsPort);
        try {
            Daemons.awaitPort(smtpPort, process, log);
            if (setup.implicitTlsPort) {
                Daemons.awaitPort(smtpsPort, process, log);
            }
        } catch (Exception e) {
            postfix.close();
            throw e;
        }
        return postfix;
    }

    private static Path accessTable(Path file, Map<String, String> actions) throws IOException {
        Files.write(file, actions.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
        return file;
    }

    public int smtpPort() {
        return smtpPort;
    }

    int smtpsPort() {
        return smtpsPort;
    }

    /** The delivered messages, once {@code count} have arrived. */
    List<Path> awaitMessages(int count) throws Exception {
        return Daemons.awaitMessages(dir.resolve("maildirs/inbox/new"), count);
    }

    String log() throws Exception {
        return Files.readString(dir.resolve("postfix.log"));
    }

    @Override
    public void close() throws Exception {
        new ProcessBuilder("postfix", "-c", dir.resolve("conf").toString(), "stop")
            .redirectErrorStream(true).redirectOutput(dir.resolve("postfix-stop.log").toFile()).start().waitFor(30, TimeUnit.SECONDS);
        Daemons.stop(process);
    }
}
