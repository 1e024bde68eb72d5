package org.remoteforward.config;

import java.util.List;
import java.util.Objects;

import org.remoteforward.sender.SenderSettings;

/**
 * The mailet's whole configuration, parsed once at init.
 *
 * @param sender what the sender needs: protocol, endpoints, TLS, auth, timeouts, logging
 * @param delivery queue, retries and bounces
 * @param errorProcessor where failed recipients go when they cannot be bounced (the null sender)
 * @param warnings what the operator should hear about once (deprecated parameters, risky choices)
 */
public record ForwardConfig(SenderSettings sender, DeliverySettings delivery, String errorProcessor, List<String> warnings) {
    public ForwardConfig {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(errorProcessor, "errorProcessor");
        warnings = List.copyOf(warnings);
    }
}
