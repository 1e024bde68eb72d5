package org.remoteforward.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The delays between delivery attempts, written as RemoteDelivery's {@code delayTime}:
 * {@code 5m, 10m, 3*1h, 2*6h} waits 5 minutes before the first retry, 10 before the second, an
 * hour before each of the next three and six hours before the two after. Past the end, the last
 * delay repeats.
 *
 * @param delays one delay per retry, in order
 */
public record RetrySchedule(List<Duration> delays) {
    public static final String DEFAULT = "5m, 10m, 3*1h, 2*6h";

    public RetrySchedule {
        delays = List.copyOf(delays);
        if (delays.isEmpty()) {
            throw new IllegalArgumentException("a retry schedule has at least one delay");
        }
    }

    /** @throws IllegalArgumentException naming the entry that cannot be read */
    public static RetrySchedule parse(String text) {
        List<Duration> delays = new ArrayList<>();
        for (String entry : text.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' has an empty entry: write e.g. " + DEFAULT);
            }
            int times = 1;
            String duration = trimmed;
            int star = trimmed.indexOf('*');
            if (star >= 0) {
                try {
                    times = Integer.parseInt(trimmed.substring(0, star).trim());
                } catch (NumberFormatException e) {
                    times = 0;
                }
                if (times < 1 || times > 1000) {
                    throw new IllegalArgumentException("'" + trimmed + "' must repeat a delay 1 to 1000 times, as 3*1h");
                }
                duration = trimmed.substring(star + 1);
            }
            Duration delay = DurationValue.parse(duration);
            for (int i = 0; i < times; i++) {
                delays.add(delay);
            }
        }
        return new RetrySchedule(delays);
    }

    /** The delay before retry number {@code retry} (1 for the first retry). */
    public Duration delayBefore(int retry) {
        return delays.get(Math.min(retry, delays.size()) - 1);
    }

    /** How long {@code retries} retries take from the first attempt to the last, by the schedule. */
    public Duration span(int retries) {
        Duration total = Duration.ZERO;
        for (int retry = 1; retry <= retries; retry++) {
            total = total.plus(delayBefore(retry));
        }
        return total;
    }

    /** As many retries as the schedule lists: the default {@code maxRetries}. */
    public int length() {
        return delays.size();
    }
}
