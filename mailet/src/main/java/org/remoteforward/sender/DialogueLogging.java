package org.remoteforward.sender;

/** Whether the protocol dialogue is logged. AUTH payloads are redacted and bodies never logged, whatever the choice. */
public enum DialogueLogging {
    /** Never log the dialogue. */
    OFF,
    /** Log it at DEBUG: the logging configuration decides. */
    LOGGER_LEVEL,
    /** Log it at INFO, whatever the logger's level (the mailet's {@code debug yes}). */
    ON
}
