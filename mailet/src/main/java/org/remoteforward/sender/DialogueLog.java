package org.remoteforward.sender;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol dialogue log: what was sent and received, one line each. Commands carrying
 * credentials reach it already redacted, AUTH challenges are logged by code only
 * ({@link #receivedRedacted}), and message bodies never pass through it.
 */
final class DialogueLog {
    private static final Logger LOGGER = LoggerFactory.getLogger("org.remoteforward.sender.dialogue");

    static final int MAX_REPLY_LINES = 16;

    private final DialogueLogging mode;
    private final String where;

    DialogueLog(DialogueLogging mode, Endpoint endpoint) {
        this.mode = mode;
        this.where = endpoint.toString();
    }

    private boolean enabled() {
        return switch (mode) {
            case OFF -> false;
            case LOGGER_LEVEL -> LOGGER.isDebugEnabled();
            case ON -> LOGGER.isInfoEnabled();
        };
    }

    void sent(String command) {
        if (enabled()) {
            write(where + " C: " + command);
        }
    }

    /**
     * Each line of the reply, up to {@value #MAX_REPLY_LINES} lines of at most the 506 characters
     * RFC 5321 allows a line's text: a reply of a thousand 4 KiB lines is logged in a few KiB,
     * saying what was left out.
     */
    void received(Reply reply) {
        if (enabled()) {
            int lines = reply.lines().size();
            int shown = lines <= MAX_REPLY_LINES ? lines : MAX_REPLY_LINES - 1;
            for (int i = 0; i < shown; i++) {
                String separator = i == lines - 1 ? " " : "-";
                write(where + " S: " + reply.code() + separator + PrintableText.line(reply.lines().get(i), Reply.MAX_TEXT_OCTETS));
            }
            if (shown < lines) {
                write(where + " S: " + reply.code() + " ... [" + (lines - shown) + " more lines not logged]");
            }
        }
    }

    /** A challenge line of an AUTH exchange: the code alone is logged. */
    void receivedRedacted(Reply reply) {
        if (enabled()) {
            write(where + " S: " + reply.code() + " <redacted>");
        }
    }

    void event(String text) {
        if (enabled()) {
            write(where + " -- " + text);
        }
    }

    private void write(String line) {
        if (mode == DialogueLogging.ON) {
            LOGGER.info(line);
        } else {
            LOGGER.debug(line);
        }
    }
}
