package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@code maxMessagesPerMinute}'s window: never more than the limit in any 60 seconds, each endpoint on its own. */
class SendRateTest {
    private static final Endpoint MX1 = Endpoint.parse("tcp://mx1.test:25");
    private static final Endpoint MX2 = Endpoint.parse("tcp://mx2.test:25");
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theLimitHoldsOverAnySixtySecondsNotJustPerCalendarMinute() {
        SendRate rate = new SendRate(3);
        // a clock far from zero, as System.nanoTime may be: the window must not care
        long t = Long.MAX_VALUE - 1000 * SECOND;
        assertThat(rate.tryTake(MX1, t)).isTrue();
        assertThat(rate.tryTake(MX1, t + 10 * SECOND)).isTrue();
        assertThat(rate.tryTake(MX1, t + 59 * SECOND)).isTrue();
        assertThat(rate.tryTake(MX1, t + 59 * SECOND + 1)).isFalse();
        assertThat(rate.untilFree(MX1, t + 59 * SECOND)).isEqualTo(Duration.ofSeconds(1));
        // a minute after the first, one slot; the others free as their own minutes end
        assertThat(rate.tryTake(MX1, t + 60 * SECOND)).isTrue();
        assertThat(rate.tryTake(MX1, t + 61 * SECOND)).isFalse();
        assertThat(rate.untilFree(MX1, t + 61 * SECOND)).isEqualTo(Duration.ofSeconds(9));
        assertThat(rate.tryTake(MX1, t + 70 * SECOND)).isTrue();
        // a burst across what a bucket would call a new minute stays refused
        assertThat(rate.tryTake(MX1, t + 100 * SECOND)).isFalse();
    }

    @Test
    void eachEndpointHasItsOwnMinute() {
        SendRate rate = new SendRate(1);
        assertThat(rate.tryTake(MX1, 0)).isTrue();
        assertThat(rate.tryTake(MX1, SECOND)).isFalse();
        assertThat(rate.tryTake(MX2, SECOND)).isTrue();
        assertThat(rate.untilFree(MX2, 2 * SECOND)).isEqualTo(Duration.ofSeconds(59));
    }

    @Test
    void aSlotGivenBackIsFreeAtOnce() {
        SendRate rate = new SendRate(2);
        assertThat(rate.tryTake(MX1, 0)).isTrue();
        assertThat(rate.tryTake(MX1, SECOND)).isTrue();
        rate.giveBack(MX1, 2 * SECOND);
        assertThat(rate.untilFree(MX1, 2 * SECOND)).isEqualTo(Duration.ZERO);
        assertThat(rate.tryTake(MX1, 3 * SECOND)).isTrue();
        assertThat(rate.tryTake(MX1, 4 * SECOND)).isFalse();
        assertThat(rate.untilFree(MX1, 4 * SECOND)).isEqualTo(Duration.ofSeconds(56));
    }

    @Test
    void withoutALimitEverythingGoes() {
        SendRate rate = new SendRate(0);
        for (int i = 0; i < 10_000; i++) {
            assertThat(rate.tryTake(MX1, i)).isTrue();
        }
        assertThat(rate.untilFree(MX1, 0)).isEqualTo(Duration.ZERO);
    }
}
