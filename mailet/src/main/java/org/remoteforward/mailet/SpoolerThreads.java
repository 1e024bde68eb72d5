package org.remoteforward.mailet;

import javax.inject.Inject;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.server.core.configuration.ConfigurationProvider;

/**
 * How many threads James's spooler runs mails through the mailet container with
 * ({@code <spooler><threads>} in mailetcontainer.xml; James's default is 100). With {@code inline}
 * a downstream that stalls holds the spool threads attempting it; the mailet keeps some of them
 * free for the rest of James's mail, local delivery included.
 */
public final class SpoolerThreads {
    /** What James 3.8.1's spooler runs when mailetcontainer.xml names no thread count (JamesMailSpooler.Configuration). */
    static final int JAMES_DEFAULT = 100;

    private final int count;

    private SpoolerThreads(int count) {
        if (count < 0) {
            // James itself refuses it; 0 is a spooler switched off (a node that only receives)
            throw new IllegalArgumentException("a spooler runs no fewer than 0 threads, not " + count);
        }
        this.count = count;
    }

    @Inject
    public SpoolerThreads(ConfigurationProvider configuration) throws ConfigurationException {
        this(configuration.getConfiguration("mailetcontainer").getInt("spooler.threads", JAMES_DEFAULT));
    }

    /** A spooler of {@code count} threads. */
    public static SpoolerThreads of(int count) {
        return new SpoolerThreads(count);
    }

    /** For a mailet made outside James's injector: the spooler James runs by default. */
    public static SpoolerThreads jamesDefault() {
        return new SpoolerThreads(JAMES_DEFAULT);
    }

    public int count() {
        return count;
    }
}
