package org.remoteforward.sender;

/** How one recipient's delivery ended. */
public enum Outcome {
    DELIVERED,
    /** A 4xx reply or a local cause that may clear: try again later. */
    TEMPORARY_FAILURE,
    /** A 5xx reply or a local cause that will not clear: do not retry. */
    PERMANENT_FAILURE
}
