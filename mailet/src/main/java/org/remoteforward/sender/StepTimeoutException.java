package org.remoteforward.sender;

import java.io.IOException;
import java.time.Duration;

/** A step did not finish within its configured timeout; the connection was cut. */
final class StepTimeoutException extends IOException {
    StepTimeoutException(TimeoutKind kind, Duration limit, String step) {
        super(kind + " of " + Durations.describe(limit) + " expired " + step);
    }
}
