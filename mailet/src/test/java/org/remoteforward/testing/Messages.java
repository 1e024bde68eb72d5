package org.remoteforward.testing;

import java.io.OutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.remoteforward.sender.MessageSource;

/** Messages for tests. */
public final class Messages {
    private Messages() {
    }

    public static final String SIMPLE = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nHello.\r\n";

    public static MessageSource of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    public static MessageSource of(byte[] bytes) {
        return new MessageSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(bytes);
            }
        };
    }
}
