package org.remoteforward.bench;

/** Where a P2 run's mails end up, counted, so the run ends when the last one got there. */
interface Destination {
    /** Counts from zero again, noting when numbered messages arrive in {@code arrivals}. */
    void reset(Arrivals arrivals);

    /** Waits until {@code count} messages have arrived since the reset; false if that took longer than {@code limitSeconds}. */
    boolean await(long count, int limitSeconds) throws InterruptedException;

    /** How many arrived since the reset. */
    long arrived();
}
