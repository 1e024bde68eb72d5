package org.remoteforward.mailet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;
import org.remoteforward.sender.Durations;
import org.remoteforward.sender.EndpointState;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The forwarding's health check, as a James HealthCheck: unhealthy when a
 * forwarder has no endpoint that works; degraded when one of its endpoints fails, or a mail has
 * waited in its queue longer than {@code healthQueueAge}; healthy otherwise. The cause names the
 * forwarder, each failing endpoint (since when, and why), the backlog and the oldest mail's age.
 * WebAdmin shows it at {@link org.remoteforward.webadmin.RemoteForwardHealthRoutes#BASE_PATH}; a
 * James assembled with Guice modules of its own can add it to {@code /healthcheck} with a
 * {@code Multibinder<HealthCheck>} in its main injector.
 */
public final class RemoteForwardHealthCheck implements HealthCheck {
    public static final ComponentName COMPONENT = new ComponentName("RemoteForward");

    private final ForwardingHealth health;
    private final Clock clock;

    @Inject
    public RemoteForwardHealthCheck(ForwardingHealth health) {
        this(health, Clock.systemUTC());
    }

    RemoteForwardHealthCheck(ForwardingHealth health, Clock clock) {
        this.health = health;
        this.clock = clock;
    }

    @Override
    public ComponentName componentName() {
        return COMPONENT;
    }

    @Override
    public Publisher<Result> check() {
        // browsing a queue reads its mails: not on the caller's event loop
        return Mono.fromCallable(this::result).subscribeOn(Schedulers.boundedElastic());
    }

    /** The result now, computed in the caller's thread. */
    public Result result() {
        Instant now = clock.instant();
        List<String> unhealthy = new ArrayList<>();
        List<String> degraded = new ArrayList<>();
        for (ForwardingHealth.Report report : health.reports()) {
            String state = describe(report, now);
            if (report.noEndpointWorks()) {
                unhealthy.add(state);
            } else if (report.someEndpointFails() || report.waitingTooLong(now)) {
                degraded.add(state);
            }
        }
        if (!unhealthy.isEmpty()) {
            List<String> all = new ArrayList<>(unhealthy);
            all.addAll(degraded);
            return Result.unhealthy(COMPONENT, String.join("; ", all));
        }
        return degraded.isEmpty() ? Result.healthy(COMPONENT) : Result.degraded(COMPONENT, String.join("; ", degraded));
    }

    private static String describe(ForwardingHealth.Report report, Instant now) {
        String endpoints = report.endpoints().stream().filter(EndpointState::failing)
            .map(state -> state.endpoint() + " failing since " + state.failingSince().orElseThrow()
                + (state.backingOff() ? " (backing off)" : "") + ": " + state.lastFailure().orElse("?"))
            .collect(Collectors.joining(", "));
        StringBuilder text = new StringBuilder(report.name()).append(": ");
        text.append(report.noEndpointWorks() ? "no endpoint works (" + endpoints + ")"
            : endpoints.isEmpty() ? "endpoints working" : "endpoints failing (" + endpoints + ")");
        text.append("; ").append(report.backlog()).append(report.backlog() == 1 ? " mail" : " mails").append(" queued");
        report.oldestSince().ifPresent(since -> text.append(", the oldest for ").append(Durations.describe(Duration.between(since, now).truncatedTo(ChronoUnit.SECONDS)))
            .append(report.waitingTooLong(now) ? " (over healthQueueAge " + Durations.describe(report.queueAgeLimit()) + ")" : ""));
        return text.toString();
    }
}
