package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A plain SMTP client, as any MTA or application would talk to James; each step returns James's reply. */
final class SmtpClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private SmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Connects and reads the greeting, which must be 220. */
    static SmtpClient connect(int port) throws Exception {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(60_000);
        SmtpClient client = new SmtpClient(socket);
        assertThat(client.reply()).as("greeting").startsWith("220");
        return client;
    }

    static void send(int port, String from, List<String> to, byte[] message) throws Exception {
        send(port, null, null, from, to, message, "");
    }

    /** Sends one message, authenticating with AUTH PLAIN first when {@code user} is given; every step must succeed. */
    static void send(int port, String user, String password, String from, List<String> to, byte[] message, String mailParameters) throws Exception {
        try (SmtpClient client = connect(port)) {
            expect(client.command("EHLO client.example"), "250");
            if (user != null) {
                expect(client.authenticate(user, password), "235");
            }
            expect(client.command("MAIL FROM:<" + from + ">" + mailParameters), "250");
            for (String recipient : to) {
                expect(client.command("RCPT TO:<" + recipient + ">"), "250");
            }
            expect(client.command("DATA"), "354");
            expect(client.message(message), "250");
        }
    }

    /** Sends one command line; the last line of the reply. */
    String command(String line) throws IOException {
        List<String> reply = commandReply(line);
        return reply.get(reply.size() - 1);
    }

    /** Sends one command line; every line of the reply, each as it came between CRLFs (a bare CR or LF stays in its line). */
    List<String> commandReply(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return replyLines();
    }

    String authenticate(String user, String password) throws IOException {
        return command("AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** After DATA's 354: the message, dot-stuffed, and the terminating dot; the final reply. */
    String message(byte[] message) throws IOException {
        writeMessage(message);
        return reply();
    }

    private void writeMessage(byte[] message) throws IOException {
        boolean lineStart = true;
        for (byte b : message) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** After DATA's 354: the message, dot-stuffed, and the terminating dot; every line of the final reply. */
    List<String> messageReply(byte[] message) throws IOException {
        writeMessage(message);
        return replyLines();
    }

    private String reply() throws IOException {
        List<String> lines = replyLines();
        return lines.get(lines.size() - 1);
    }

    private List<String> replyLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = crlfLine();
            lines.add(line);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return lines;
    }

    /** One line up to CRLF, without it: only CRLF ends a reply line, as RFC 5321 has it. */
    private String crlfLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("James closed the connection");
            }
            if (b == '\n' && previous == '\r') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }

    private static void expect(String reply, String code) {
        assertThat(reply).as("reply").startsWith(code);
    }

    /** QUIT, then the connection closes. */
    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                command("QUIT");
            }
        } catch (IOException e) {
            // James may have closed first: nothing more to say
        } finally {
            socket.close();
        }
    }
}
