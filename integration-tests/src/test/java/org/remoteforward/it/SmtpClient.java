package org.remoteforward.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** A plain SMTP client, as any MTA or application would talk to James. */
final class SmtpClient {
    private SmtpClient() {
    }

    static void send(int port, String from, List<String> to, byte[] message) throws Exception {
        send(port, null, null, from, to, message, "");
    }

    /** Sends one message, authenticating with AUTH PLAIN first when {@code user} is given. */
    static void send(int port, String user, String password, String from, List<String> to, byte[] message, String mailParameters) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            expect(in, "220");
            command(out, in, "EHLO client.example", "250");
            if (user != null) {
                String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
                command(out, in, "AUTH PLAIN " + plain, "235");
            }
            command(out, in, "MAIL FROM:<" + from + ">" + mailParameters, "250");
            for (String recipient : to) {
                command(out, in, "RCPT TO:<" + recipient + ">", "250");
            }
            command(out, in, "DATA", "354");
            writeStuffed(out, message);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "250");
            command(out, in, "QUIT", "221");
        }
    }

    private static void writeStuffed(OutputStream out, byte[] message) throws Exception {
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
    }

    private static void command(OutputStream out, BufferedReader in, String line, String code) throws Exception {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        expect(in, code);
    }

    private static void expect(BufferedReader in, String code) throws Exception {
        String line;
        do {
            line = in.readLine();
            assertThat(line).as("a reply").isNotNull();
        } while (line.length() > 3 && line.charAt(3) == '-');
        assertThat(line).as("reply").startsWith(code);
    }
}
