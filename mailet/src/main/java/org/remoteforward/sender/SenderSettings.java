package org.remoteforward.sender;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@link DownstreamSender} needs, parsed and checked by its caller.
 *
 * @param protocol SMTP or LMTP
 * @param endpoints tried in this order, at least one
 * @param starttls whether {@code tcp://} endpoints must be upgraded with STARTTLS
 * @param tls client TLS settings for STARTTLS and {@code tls://}
 * @param auth mode, and the credentials of {@link AuthMode#PLAIN}
 * @param configuredCredentials present exactly when auth is {@link AuthMode#PLAIN}
 * @param timeouts connect, command and submission bounds
 * @param heloName the name this host gives in EHLO/LHLO once the channel is secure
 * @param dialogue whether to log the protocol dialogue
 * @param connections reuse, pipelining, chunking and endpoint back-off
 * @param allowSenderRouting forward recipients with sender-specified routing ({@code %}, {@code !},
 *     a quoted {@code @}, source routes); refused before the wire otherwise
 * @param xforward pass the original client on with XFORWARD where the server offers it
 * @param failover whether recipients a target answers with 4xx are tried on the next targets at once
 * @param limits the rate and recipients a message each endpoint takes from this node
 * @param oauth the user and the token source, present exactly when auth presents an access token
 */
public record SenderSettings(Protocol protocol, List<Endpoint> endpoints, boolean starttls, TlsSettings tls,
                             AuthMode auth, Optional<Credentials> configuredCredentials, Timeouts timeouts,
                             String heloName, DialogueLogging dialogue, ConnectionSettings connections,
                             boolean allowSenderRouting, boolean xforward, Failover failover,
                             SendLimits limits, Optional<OAuthLogin> oauth) {

    public SenderSettings {
        Objects.requireNonNull(protocol, "protocol");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is needed");
        }
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(dialogue, "dialogue");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(failover, "failover");
        Objects.requireNonNull(limits, "limits");
        if (auth.usesAccessToken() != oauth.isPresent()) {
            throw new IllegalArgumentException("an OAuth user and token source go with auth xoauth2 or oauthbearer and only with them");
        }
        if (heloName == null || heloName.isBlank() || heloName.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new IllegalArgumentException("the HELO name must be a host name, not '" + heloName + "'");
        }
        if (auth.usesConfiguredCredentials() != configuredCredentials.isPresent()) {
            throw new IllegalArgumentException("configured credentials go with auth plain and only with it");
        }
    }

    /** As the canonical constructor, failing over on connection failures only ({@link Failover#CONNECTION}), with no limits of our own. */
    public SenderSettings(Protocol protocol, List<Endpoint> endpoints, boolean starttls, TlsSettings tls,
                          AuthMode auth, Optional<Credentials> configuredCredentials, Timeouts timeouts,
                          String heloName, DialogueLogging dialogue, ConnectionSettings connections,
                          boolean allowSenderRouting, boolean xforward) {
        this(protocol, endpoints, starttls, tls, auth, configuredCredentials, timeouts, heloName, dialogue, connections,
            allowSenderRouting, xforward, Failover.CONNECTION, SendLimits.NONE, Optional.empty());
    }

    /** Whether sessions authenticate as each message's own client ({@code auth forward}): the one place that decides it. */
    public boolean forwardsClientCredentials() {
        return auth == AuthMode.FORWARD;
    }
}
