package org.remoteforward.config;

import java.util.List;

/**
 * Every init parameter of the mailet, by its James-style name, with the maddy spellings that
 * are accepted for it so a maddy configuration carries over.
 */
public enum Parameter {
    PROTOCOL("protocol"),
    TARGETS("targets"),
    STARTTLS("starttls"),
    ATTEMPT_STARTTLS("attemptStarttls", "attempt_starttls"),
    REQUIRE_TLS("requireTls", "require_tls"),
    AUTH("auth"),
    AUTH_USERNAME("authUsername", "auth_username"),
    AUTH_PASSWORD("authPassword", "auth_password"),
    OAUTH_TOKEN_FILE("oauthTokenFile"),
    OAUTH_TOKEN_ENDPOINT("oauthTokenEndpoint"),
    OAUTH_CLIENT_ID("oauthClientId"),
    OAUTH_CLIENT_SECRET_FILE("oauthClientSecretFile"),
    OAUTH_SCOPE("oauthScope"),
    OAUTH_REFRESH_TOKEN_FILE("oauthRefreshTokenFile"),
    TLS_ROOT_CA("tlsRootCa", "tls_root_ca", "root_ca"),
    TLS_CERT("tlsCert", "tls_cert", "cert"),
    TLS_KEY("tlsKey", "tls_key", "key"),
    TLS_PROTOCOLS("tlsProtocols", "tls_protocols", "protocols"),
    TLS_CIPHERS("tlsCiphers", "tls_ciphers", "ciphers"),
    TLS_CURVES("tlsCurves", "tls_curves", "curves"),
    CONNECT_TIMEOUT("connectTimeout", "connect_timeout"),
    COMMAND_TIMEOUT("commandTimeout", "command_timeout"),
    SUBMISSION_TIMEOUT("submissionTimeout", "submission_timeout"),
    DEBUG("debug"),
    HELO_NAME("heloName", "hostname"),
    ERROR_PROCESSOR("errorProcessor"),
    OUTGOING_QUEUE("outgoingQueue"),
    DELIVERY_THREADS("deliveryThreads"),
    INLINE("inline"),
    INLINE_THREADS("inlineThreads"),
    DELAY_TIME("delayTime"),
    MAX_RETRIES("maxRetries"),
    BOUNCE_PROCESSOR("bounceProcessor"),
    CREDENTIALS_RETENTION("credentialsRetention"),
    CREDENTIALS_KEY_FILE("credentialsKeyFile"),
    RETRY_DELAYS("retryDelays"),
    RETRY_HOLD_LIMIT("retryHoldLimit"),
    HEALTH_QUEUE_AGE("healthQueueAge"),
    REUSE_CONNECTIONS("reuseConnections"),
    MAX_CONNECTIONS("maxConnections"),
    CONNECTION_IDLE_TIMEOUT("connectionIdleTimeout"),
    CONNECTION_MAX_AGE("connectionMaxAge"),
    CONNECTION_MAX_MESSAGES("connectionMaxMessages"),
    ENDPOINT_BACKOFF("endpointBackoff"),
    CONNECTION_WAIT_TIMEOUT("connectionWaitTimeout"),
    PIPELINING("pipelining"),
    CHUNKING("chunking"),
    FAILOVER("failover"),
    MAX_MESSAGES_PER_MINUTE("maxMessagesPerMinute"),
    MAX_RECIPIENTS_PER_MESSAGE("maxRecipientsPerMessage"),
    ALLOW_SENDER_ROUTING("allowSenderRouting"),
    ALLOW_PLAINTEXT_CREDENTIALS("allowPlaintextCredentials"),
    XFORWARD("xforward");

    private final String name;
    private final List<String> aliases;

    Parameter(String name, String... aliases) {
        this.name = name;
        this.aliases = List.of(aliases);
    }

    /** The name to write in mailetcontainer.xml. */
    public String parameterName() {
        return name;
    }

    public List<String> aliases() {
        return aliases;
    }

    /** The canonical parameter that {@code written} names, by its own name or an alias (a maddy spelling); null for none. */
    public static Parameter named(String written) {
        for (Parameter parameter : values()) {
            if (parameter.name.equals(written) || parameter.aliases.contains(written)) {
                return parameter;
            }
        }
        return null;
    }
}
