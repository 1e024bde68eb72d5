package org.remoteforward.bench;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;

/**
 * James's own ceiling in P2: where RemoteForwardMailet would be, a mailet that only counts each
 * mail and drops it, so a run can wait until James has processed every mail it accepted, as the
 * forwarding rows wait until the sink has them. (James's Null mailet would do the same work, but
 * nothing would tell when the spool had caught up with the SMTP clients: a run would time only
 * the acceptance and leave part of its spooling to the next.)
 */
public class CountingMailet extends GenericMailet {
    private static final AtomicLong PROCESSED = new AtomicLong();

    @Override
    public void service(Mail mail) {
        PROCESSED.incrementAndGet();
        mail.setState(Mail.GHOST);
    }

    /** The mails this mailet has processed, counted from each reset: the ceiling rows' destination. */
    static final Destination PROCESSED_HERE = new Destination() {
        private volatile long base;

        @Override
        public void reset(Arrivals arrivals) {
            base = PROCESSED.get();
        }

        @Override
        public boolean await(long count, int limitSeconds) throws InterruptedException {
            long deadline = System.nanoTime() + limitSeconds * 1_000_000_000L;
            while (arrived() < count) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(1);
            }
            return true;
        }

        @Override
        public long arrived() {
            return PROCESSED.get() - base;
        }
    };
}
