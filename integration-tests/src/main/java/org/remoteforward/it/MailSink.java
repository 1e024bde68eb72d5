package org.remoteforward.it;

import static org.remoteforward.it.SmtpLines.path;
import static org.remoteforward.it.SmtpLines.readLine;
import static org.remoteforward.it.SmtpLines.readMessage;
import static org.remoteforward.it.SmtpLines.reply;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The downstream the launcher forwards to when the operator names none: an SMTP server on a
 * free loopback port that accepts every message and writes it, byte for byte as received
 * (dot-stuffing undone), to {@code DIR/NNNN.eml}, with the envelope in {@code NNNN.envelope}.
 */
final class MailSink extends LoopbackListener {
    /** One stored message. */
    record Landed(Path file, String sender, List<String> recipients) {
    }

    private final Path dir;
    private final Consumer<Landed> onLanded;
    private final AtomicInteger counter = new AtomicInteger();
    private final List<Landed> landed = new CopyOnWriteArrayList<>();

    MailSink(Path dir, Consumer<Landed> onLanded) throws IOException {
        super("mail-sink", 50);
        this.dir = Files.createDirectories(dir);
        this.onLanded = onLanded;
    }

    Path dir() {
        return dir;
    }

    List<Landed> landed() {
        return List.copyOf(landed);
    }

    @Override
    protected void converse(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        reply(out, "220 mail-sink ESMTP ready");
        String sender = null;
        List<String> recipients = new ArrayList<>();
        for (String line = readLine(in); line != null; line = readLine(in)) {
            String verb = line.length() < 4 ? line.toUpperCase() : line.substring(0, 4).toUpperCase();
            switch (verb) {
                case "EHLO", "LHLO" -> reply(out, "250-mail-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-PIPELINING\r\n250 SIZE 104857600");
                case "HELO" -> reply(out, "250 mail-sink");
                case "MAIL" -> {
                    sender = path(line);
                    recipients.clear();
                    reply(out, "250 2.1.0 sender ok");
                }
                case "RCPT" -> {
                    recipients.add(path(line));
                    reply(out, "250 2.1.5 recipient ok");
                }
                case "DATA" -> {
                    reply(out, "354 end with <CRLF>.<CRLF>");
                    Landed stored = store(readMessage(in), sender, recipients);
                    reply(out, "250 2.0.0 stored as " + stored.file().getFileName());
                    landed.add(stored);
                    onLanded.accept(stored);
                }
                case "RSET" -> {
                    sender = null;
                    recipients.clear();
                    reply(out, "250 2.0.0 ok");
                }
                case "NOOP" -> reply(out, "250 2.0.0 ok");
                case "QUIT" -> {
                    reply(out, "221 2.0.0 bye");
                    return;
                }
                default -> reply(out, "502 5.5.2 command not implemented");
            }
        }
    }

    private Landed store(byte[] message, String sender, List<String> recipients) throws IOException {
        String name = String.format("%04d", counter.incrementAndGet());
        Path file = dir.resolve(name + ".eml");
        Files.write(file, message);
        Files.writeString(dir.resolve(name + ".envelope"), "MAIL FROM:<" + sender + ">\n"
            + recipients.stream().map(r -> "RCPT TO:<" + r + ">\n").reduce("", String::concat));
        return new Landed(file, sender, List.copyOf(recipients));
    }
}
