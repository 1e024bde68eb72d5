package org.remoteforward.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.remoteforward.sender.AuthMode;
import org.remoteforward.sender.ConnectionSettings;
import org.remoteforward.sender.Credentials;
import org.remoteforward.sender.DialogueLogging;
import org.remoteforward.sender.Endpoint;
import org.remoteforward.sender.Failover;
import org.remoteforward.sender.OAuthLogin;
import org.remoteforward.sender.Protocol;
import org.remoteforward.sender.SendLimits;
import org.remoteforward.sender.SenderSettings;
import org.remoteforward.sender.Timeouts;
import org.remoteforward.sender.TlsSettings;

/**
 * Sender settings for tests: short timeouts, no STARTTLS unless asked, HELO name client.test, and the
 * product's connection defaults (pooled sessions, pipelining and chunking where offered), so tests
 * exercise what users run.
 */
public final class SettingsBuilder {
    private Protocol protocol = Protocol.SMTP;
    private List<Endpoint> endpoints;
    private boolean starttls;
    private TlsSettings tls = TlsSettings.DEFAULTS;
    private AuthMode auth = AuthMode.OFF;
    private Optional<Credentials> credentials = Optional.empty();
    private Timeouts timeouts = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10));
    private DialogueLogging dialogue = DialogueLogging.LOGGER_LEVEL;
    private ConnectionSettings connections = ConnectionSettings.DEFAULTS;
    private boolean allowSenderRouting;
    private boolean xforward = true;
    private Failover failover = Failover.CONNECTION;
    private SendLimits limits = SendLimits.NONE;
    private Optional<OAuthLogin> oauth = Optional.empty();

    public static SettingsBuilder to(String... endpoints) {
        SettingsBuilder builder = new SettingsBuilder();
        builder.endpoints = Arrays.stream(endpoints).map(Endpoint::parse).toList();
        return builder;
    }

    public SettingsBuilder lmtp() {
        protocol = Protocol.LMTP;
        return this;
    }

    public SettingsBuilder starttls() {
        starttls = true;
        return this;
    }

    public SettingsBuilder tls(TlsSettings tls) {
        this.tls = tls;
        return this;
    }

    public SettingsBuilder auth(AuthMode mode) {
        auth = mode;
        return this;
    }

    public SettingsBuilder plain(String username, String password) {
        auth = AuthMode.PLAIN;
        credentials = Optional.of(new Credentials(username, password));
        return this;
    }

    public SettingsBuilder login(String username, String password) {
        auth = AuthMode.LOGIN;
        credentials = Optional.of(new Credentials(username, password));
        return this;
    }

    public SettingsBuilder timeouts(Duration connect, Duration command, Duration submission) {
        timeouts = new Timeouts(connect, command, submission);
        return this;
    }

    public SettingsBuilder dialogue(DialogueLogging dialogue) {
        this.dialogue = dialogue;
        return this;
    }

    public SettingsBuilder connections(ConnectionSettings connections) {
        this.connections = connections;
        return this;
    }

    public SettingsBuilder noXforward() {
        xforward = false;
        return this;
    }

    public SettingsBuilder failover(Failover failover) {
        this.failover = failover;
        return this;
    }

    /** auth xoauth2 or oauthbearer as {@code username}, with tokens from {@code tokens}. */
    public SettingsBuilder oauth(AuthMode mode, String username, org.remoteforward.sender.AccessTokens tokens) {
        auth = mode;
        oauth = Optional.of(new OAuthLogin(username, tokens));
        return this;
    }

    public SettingsBuilder limits(int messagesPerMinute, int recipientsPerMessage) {
        this.limits = new SendLimits(messagesPerMinute, recipientsPerMessage);
        return this;
    }

    public SettingsBuilder allowSenderRouting() {
        allowSenderRouting = true;
        return this;
    }

    public SenderSettings build() {
        return new SenderSettings(protocol, endpoints, starttls, tls, auth, credentials, timeouts, "client.test", dialogue, connections,
            allowSenderRouting, xforward, failover, limits, oauth);
    }
}
