package org.remoteforward.mailet;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.mailet.MailetContext;

/** The name to give in EHLO/LHLO when none is configured: James's own HELO name, else the host name. */
public final class JamesHeloName {
    private static final String ATTRIBUTE = "org.apache.james.HelloName";

    private JamesHeloName() {
    }

    public static String of(MailetContext context) {
        Object configured = context == null ? null : context.getAttribute(ATTRIBUTE);
        if (configured instanceof String name && !name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
