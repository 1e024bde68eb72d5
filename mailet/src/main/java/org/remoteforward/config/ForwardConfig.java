package org.remoteforward.config;

import java.util.List;
import java.util.Objects;

import org.remoteforward.sender.SenderSettings;

/**
 * The mailet's whole configuration, parsed once at init.
 *
 * @param sender what the sender needs: protocol, endpoints, TLS, auth, timeouts, logging
 * @param errorProcessor where mails with failed recipients go
 * @param warnings what the operator should hear about once (deprecated parameters, risky choices)
 */
public record ForwardConfig(SenderSettings sender, String errorProcessor, List<String> warnings) {
    public ForwardConfig {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(errorProcessor, "errorProcessor");
        warnings = List.copyOf(warnings);
    }
}
