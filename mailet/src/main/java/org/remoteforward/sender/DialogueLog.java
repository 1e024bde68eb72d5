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

    void received(Reply reply) {
        if (enabled()) {
            for (int i = 0; i < reply.lines().size(); i++) {
                String separator = i == reply.lines().size() - 1 ? " " : "-";
                write(where + " S: " + reply.code() + separator + reply.lines().get(i));
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
