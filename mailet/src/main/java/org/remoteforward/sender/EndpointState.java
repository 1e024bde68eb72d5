package org.remoteforward.sender;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How one endpoint stands, for a health check: working, or failing since when and why.
 *
 * @param endpoint the endpoint
 * @param failingSince when the run of failed attempts to open a session to it began; empty while the last one worked
 * @param lastFailure why the last attempt failed; empty while it worked
 * @param backingOff whether it is tried after the others for now ({@code endpointBackoff})
 */
public record EndpointState(Endpoint endpoint, Optional<Instant> failingSince, Optional<String> lastFailure, boolean backingOff) {
    public EndpointState {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(failingSince, "failingSince");
        Objects.requireNonNull(lastFailure, "lastFailure");
    }

    public boolean failing() {
        return failingSince.isPresent();
    }
}
