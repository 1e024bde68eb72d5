package org.remoteforward.mailet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.RecipientResult;

/**
 * Counts outcomes and times attempts through James's MetricFactory, overall and per endpoint:
 * {@code remote-forward.delivered}, {@code remote-forward.temporaryFailure},
 * {@code remote-forward.permanentFailure} (one per recipient) and {@code remote-forward.latency}
 * (one per attempt), each also suffixed with the endpoint, e.g. {@code remote-forward.delivered.tcp_mx.example.com_25}.
 */
final class DeliveryMetrics {
    static final String PREFIX = "remote-forward.";
    private static final String NO_ENDPOINT = "none";

    private final MetricFactory factory;
    private final List<Endpoint> endpoints;

    DeliveryMetrics(MetricFactory factory, List<Endpoint> endpoints) {
        this.factory = factory;
        this.endpoints = endpoints;
    }

    /** Starts the clocks for one attempt; which endpoint answers is only known at the end. */
    Attempt start() {
        Map<String, TimeMetric> timers = new LinkedHashMap<>();
        for (Endpoint endpoint : endpoints) {
            timers.put(key(endpoint), factory.timer(PREFIX + "latency." + key(endpoint)));
        }
        return new Attempt(factory.timer(PREFIX + "latency"), timers);
    }

    void record(Attempt attempt, DeliveryResult result) {
        attempt.overall.stopAndPublish();
        result.endpoint()
            .map(endpoint -> attempt.perEndpoint.get(key(endpoint)))
            .ifPresent(TimeMetric::stopAndPublish);
        for (RecipientResult recipient : result.recipients()) {
            String outcome = switch (recipient.outcome()) {
                case DELIVERED -> "delivered";
                case TEMPORARY_FAILURE -> "temporaryFailure";
                case PERMANENT_FAILURE -> "permanentFailure";
            };
            factory.generate(PREFIX + outcome).increment();
            factory.generate(PREFIX + outcome + "." + recipient.endpoint().map(DeliveryMetrics::key).orElse(NO_ENDPOINT)).increment();
        }
    }

    static String key(Endpoint endpoint) {
        return endpoint.toString().replaceAll("[^A-Za-z0-9.-]+", "_");
    }

    /** The running clocks of one attempt. */
    static final class Attempt {
        private final TimeMetric overall;
        private final Map<String, TimeMetric> perEndpoint;

        private Attempt(TimeMetric overall, Map<String, TimeMetric> perEndpoint) {
            this.overall = overall;
            this.perEndpoint = perEndpoint;
        }
    }
}
