package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The re-armable deadline a session uses for its steps: it fires for the step running when it passes, and only then. */
class WatchdogTest {
    private final Watchdog watchdog = new Watchdog("watchdog-test");

    @AfterEach
    void close() {
        watchdog.close();
    }

    @Test
    void aStepThatOverrunsItsLimitIsCutAndSeenAsExpired() throws Exception {
        Watchdog.Slot slot = watchdog.slot();
        CountDownLatch cut = new CountDownLatch(1);
        assertThat(slot.arm(Duration.ofMillis(50), cut::countDown)).isTrue();
        assertThat(cut.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(slot.expired()).isTrue();
        slot.disarm();
    }

    @Test
    void stepsThatEndInTimeAreNeverCutThoughTheirDeadlinesWouldHavePassedSinceTheFirst() throws Exception {
        Watchdog.Slot slot = watchdog.slot();
        AtomicInteger cuts = new AtomicInteger();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
        while (System.nanoTime() < until) {
            // each step well within its 100 ms; the check scheduled for the first step's deadline finds a later one
            assertThat(slot.arm(Duration.ofMillis(100), cuts::incrementAndGet)).isTrue();
            Thread.sleep(5);
            slot.disarm();
        }
        Thread.sleep(250);
        assertThat(cuts).hasValue(0);
        assertThat(slot.expired()).isFalse();
    }

    @Test
    void aShorterLimitAfterALongerOneStillHoldsAndTheLongerStepsActionNeverRuns() throws Exception {
        Watchdog.Slot slot = watchdog.slot();
        AtomicInteger longCuts = new AtomicInteger();
        slot.arm(Duration.ofMinutes(5), longCuts::incrementAndGet);
        slot.disarm();
        CountDownLatch shortCut = new CountDownLatch(1);
        long armed = System.nanoTime();
        slot.arm(Duration.ofMillis(100), shortCut::countDown);
        assertThat(shortCut.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - armed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(longCuts).hasValue(0);
    }

    @Test
    void aStepLongerThanTheOneBeforeIsCutAtItsOwnDeadlineNotTheEarlierOne() throws Exception {
        Watchdog.Slot slot = watchdog.slot();
        slot.arm(Duration.ofMillis(50), () -> { });
        slot.disarm();
        CountDownLatch cut = new CountDownLatch(1);
        long armed = System.nanoTime();
        slot.arm(Duration.ofMillis(300), cut::countDown);
        assertThat(cut.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - armed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void noStepStartsOnceTheWatchdogIsClosed() {
        Watchdog.Slot slot = watchdog.slot();
        watchdog.close();
        assertThat(slot.arm(Duration.ofSeconds(1), () -> { })).isFalse();
    }
}
