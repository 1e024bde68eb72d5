package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.remoteforward.testing.ScriptedServer;
import org.remoteforward.testing.ScriptedServer.Script;
import org.remoteforward.testing.SettingsBuilder;
import org.remoteforward.testing.Started;

/** The pool's time rules, with the clock moved by the test: no sleeps. */
class SessionPoolTest {
    private static final Duration IDLE = Duration.ofSeconds(30);
    private static final Duration MAX_AGE = Duration.ofMinutes(5);

    @RegisterExtension
    final Started started = new Started();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private ScriptedServer server;
    private SessionPool pool;

    private void startPool(int maxMessages) throws Exception {
        server = started.tcp(Script.of().send("220 mx.test").expect("EHLO client.test").send("250 mx.test")
            .answerRest("250 ok"));
        SenderSettings settings = SettingsBuilder.to(server.tcpUri())
            .connections(new ConnectionSettings(true, 10, IDLE, MAX_AGE, maxMessages, Duration.ZERO, true, true)).build();
        Watchdog watchdog = started.keep(new Watchdog("pool-test-timeouts"));
        Housekeeping housekeeping = started.keep(new Housekeeping("pool-test-housekeeping"));
        pool = started.keep(new SessionPool(settings.connections(),
            new SessionOpener(settings, TlsClient.create(settings.tls()), watchdog, nanos::get, InetAddress::getByName), watchdog,
            housekeeping, nanos::get));
    }

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    @Test
    void anIdleSessionIsEvictedExactlyWhenItsIdleTimeoutHasPassed() throws Exception {
        startPool(100);
        pool.release(pool.acquire(""));

        advance(IDLE.minusNanos(1));
        pool.evictExpired(nanos.get());
        assertThat(pool.idleCount()).isEqualTo(1);

        advance(Duration.ofNanos(1));
        pool.evictExpired(nanos.get());
        assertThat(pool.idleCount()).isZero();
        assertThat(server.onlyConversation().commands).last().isEqualTo("QUIT");
    }

    @Test
    void idleTimeCountsFromTheEndOfTheLastTransaction() throws Exception {
        startPool(100);
        SmtpSession session = pool.acquire("");
        advance(IDLE.multipliedBy(2));
        pool.release(session);

        pool.evictExpired(nanos.get());
        assertThat(pool.idleCount()).isEqualTo(1);
        assertThat(pool.acquire("")).isSameAs(session);
    }

    @Test
    void aSessionPastItsMaximumAgeIsNotKeptAtRelease() throws Exception {
        startPool(100);
        SmtpSession session = pool.acquire("");
        advance(MAX_AGE);
        pool.release(session);

        assertThat(pool.idleCount()).isZero();
        assertThat(server.onlyConversation().commands).last().isEqualTo("QUIT");
    }

    @Test
    void aSessionAgedWhileIdleIsReplacedAtAcquire() throws Exception {
        startPool(100);
        SmtpSession first = pool.acquire("");
        advance(MAX_AGE.minus(IDLE).plusSeconds(1));
        pool.release(first);
        advance(IDLE.minusSeconds(1));

        SmtpSession second = pool.acquire("");
        assertThat(second).isNotSameAs(first);
        assertThat(server.awaitConversations(1).get(0).commands).last().isEqualTo("QUIT");
        pool.release(second);
    }

    @Test
    void aSessionIsNotKeptPastItsMessageLimit() throws Exception {
        startPool(2);
        SmtpSession session = pool.acquire("");
        pool.release(session);
        assertThat(pool.acquire("")).isSameAs(session);
        pool.release(session);

        assertThat(pool.idleCount()).isZero();
        assertThat(server.onlyConversation().commands).last().isEqualTo("QUIT");
    }

    @Test
    void sessionsAreKeptApartByIdentity() throws Exception {
        startPool(100);
        SmtpSession session = pool.acquire("");
        session.authenticated("plain:relay");
        pool.release(session);

        assertThat(pool.acquire("plain:relay")).isSameAs(session);
        pool.release(session);
        SmtpSession other = pool.acquire("plain:someone-else");
        assertThat(other).isNotSameAs(session);
        pool.release(other);
    }
}
