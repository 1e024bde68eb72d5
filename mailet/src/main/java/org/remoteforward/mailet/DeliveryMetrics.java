package org.remoteforward.mailet;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Outcome;

/**
 * Counts outcomes and times attempts through James's MetricFactory, overall and per endpoint:
 * {@code remote-forward.delivered}, {@code remote-forward.temporaryFailure},
 * {@code remote-forward.permanentFailure} (one per recipient) and {@code remote-forward.latency}
 * (one per attempt), each also suffixed with the endpoint, e.g. {@code remote-forward.delivered.tcp_mx.example.com_25}.
 * Synchronous forwarding counts the same under {@code remote-forward.synchronous.}: its latency
 * runs from the client's first RCPT to the downstream's final reply, and a recipient the
 * downstream refuses at RCPT counts as a failure there.
 */
public final class DeliveryMetrics {
    static final String PREFIX = "remote-forward.";
    public static final String SYNCHRONOUS_PREFIX = PREFIX + "synchronous.";
    private static final String NO_ENDPOINT = "none";

    private final MetricFactory factory;
    private final String prefix;
    /** Each endpoint's metric-name suffix, made once: a regex per message was a tenth of the workers' time. */
    private final Map<Endpoint, String> keys;

    DeliveryMetrics(MetricFactory factory, List<Endpoint> endpoints) {
        this(factory, endpoints, PREFIX);
    }

    private DeliveryMetrics(MetricFactory factory, List<Endpoint> endpoints, String prefix) {
        this.factory = factory;
        this.prefix = prefix;
        Map<Endpoint, String> named = new LinkedHashMap<>();
        endpoints.forEach(endpoint -> named.put(endpoint, key(endpoint)));
        this.keys = Collections.unmodifiableMap(named);
    }

    /** The metrics of synchronous forwarding to {@code endpoints}. */
    public static DeliveryMetrics synchronous(MetricFactory factory, List<Endpoint> endpoints) {
        return new DeliveryMetrics(factory, endpoints, SYNCHRONOUS_PREFIX);
    }

    /** Starts the clocks for one attempt; which endpoint answers is only known at the end. */
    public Attempt start() {
        Map<Endpoint, TimeMetric> timers = new LinkedHashMap<>();
        keys.forEach((endpoint, key) -> timers.put(endpoint, factory.timer(prefix + "latency." + key)));
        return new Attempt(factory.timer(prefix + "latency"), timers);
    }

    /** Stops the attempt's clocks and counts each recipient's outcome. */
    public void record(Attempt attempt, DeliveryResult result) {
        attempt.overall.stopAndPublish();
        result.endpoint()
            .map(attempt.perEndpoint::get)
            .ifPresent(TimeMetric::stopAndPublish);
        result.recipients().forEach(recipient -> count(recipient.outcome(), recipient.endpoint()));
    }

    /** Counts one recipient's outcome, at {@code endpoint} when one answered. */
    public void count(Outcome outcome, Optional<Endpoint> endpoint) {
        String name = switch (outcome) {
            case DELIVERED -> "delivered";
            case TEMPORARY_FAILURE -> "temporaryFailure";
            case PERMANENT_FAILURE -> "permanentFailure";
        };
        factory.generate(prefix + name).increment();
        String key = endpoint.map(this::keyOf).orElse(NO_ENDPOINT);
        factory.generate(prefix + name + "." + key).increment();
    }

    private String keyOf(Endpoint endpoint) {
        String known = keys.get(endpoint);
        return known != null ? known : key(endpoint);
    }

    static String key(Endpoint endpoint) {
        return endpoint.toString().replaceAll("[^A-Za-z0-9.-]+", "_");
    }

    /** The running clocks of one attempt. */
    public static final class Attempt {
        private final TimeMetric overall;
        private final Map<Endpoint, TimeMetric> perEndpoint;

        private Attempt(TimeMetric overall, Map<Endpoint, TimeMetric> perEndpoint) {
            this.overall = overall;
            this.perEndpoint = perEndpoint;
        }
    }
}
