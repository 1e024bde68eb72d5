package org.remoteforward.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each numbered message of one run reached the end of its DATA, at the client (sent) and at
 * the sink (arrived), on one clock ({@link System#nanoTime}: clients, James and the sink share the
 * benchmark's JVM): their difference is the time the forwarding path took for that message.
 */
final class Arrivals {
    /** Records nothing: for runs that only count. */
    static final Arrivals NONE = new Arrivals(0);

    private final AtomicLongArray sent;
    private final AtomicLongArray arrived;

    Arrivals(int messages) {
        sent = new AtomicLongArray(messages);
        arrived = new AtomicLongArray(messages);
    }

    void sent(int number, long nanos) {
        if (number >= 0 && number < sent.length()) {
            sent.set(number, nanos);
        }
    }

    void arrived(int number, long nanos) {
        if (number >= 0 && number < arrived.length()) {
            // the first arrival counts: a duplicate would come later
            arrived.compareAndSet(number, 0, nanos);
        }
    }

    /** Each message's time from the client's end of DATA to the sink's, in milliseconds; messages not seen at both ends are left out. */
    List<Double> latenciesMillis() {
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < sent.length(); i++) {
            long s = sent.get(i);
            long a = arrived.get(i);
            if (s != 0 && a != 0) {
                latencies.add((a - s) / 1e6);
            }
        }
        return latencies;
    }
}
