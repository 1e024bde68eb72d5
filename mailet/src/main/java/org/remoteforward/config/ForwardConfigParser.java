package org.remoteforward.config;

import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.remoteforward.sender.AccessTokens;
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
import org.remoteforward.sender.TokenEndpoint;
import org.remoteforward.sender.TokenFile;
import org.remoteforward.sender.TokenGrant;

/**
 * Turns the mailet's init parameters into a {@link ForwardConfig}, refusing anything it cannot
 * use with a message that names the parameter as the operator wrote it, and the value.
 */
public final class ForwardConfigParser {
    public static final String DEFAULT_ERROR_PROCESSOR = "error";

    /** What a token endpoint is asked with; meaningless without oauthTokenEndpoint. */
    private static final List<Parameter> TOKEN_ENDPOINT_PARAMETERS = List.of(Parameter.OAUTH_CLIENT_ID, Parameter.OAUTH_CLIENT_SECRET_FILE,
        Parameter.OAUTH_SCOPE, Parameter.OAUTH_REFRESH_TOKEN_FILE);
    /** A token endpoint and what it is asked with: each refused beside oauthTokenFile. */
    private static final List<Parameter> TOKEN_ENDPOINT_AND_ITS_PARAMETERS = Stream.concat(
        Stream.of(Parameter.OAUTH_TOKEN_ENDPOINT), TOKEN_ENDPOINT_PARAMETERS.stream()).toList();
    /** Where auth xoauth2 / oauthbearer get their tokens: refused with the other auth modes. */
    private static final List<Parameter> TOKEN_SOURCE_PARAMETERS = Stream.concat(
        Stream.of(Parameter.OAUTH_TOKEN_FILE), TOKEN_ENDPOINT_AND_ITS_PARAMETERS.stream()).toList();

    private final Map<Parameter, Written> values;
    private final List<String> warnings = new ArrayList<>();

    /** A parameter's value with the name it was given under (its own or an alias). */
    private record Written(String name, String value) {
    }

    private ForwardConfigParser(Map<Parameter, Written> values) {
        this.values = values;
    }

    /**
     * @param parameters the init parameters as written: name to value
     * @param defaultHeloName the host name to give in EHLO when {@code heloName} is not set
     */
    public static ForwardConfig parse(Map<String, String> parameters, String defaultHeloName) throws InvalidConfigurationException {
        Map<Parameter, Written> values = new EnumMap<>(Parameter.class);
        for (Map.Entry<String, String> entry : parameters.entrySet()) {
            Parameter parameter = Parameter.named(entry.getKey());
            if (parameter == null) {
                throw new InvalidConfigurationException(entry.getKey(), "unknown parameter; known parameters are "
                    + Arrays.stream(Parameter.values()).map(Parameter::parameterName).collect(Collectors.joining(", ")));
            }
            Written previous = values.put(parameter, new Written(entry.getKey(), entry.getValue() == null ? "" : entry.getValue().trim()));
            if (previous != null) {
                throw new InvalidConfigurationException(entry.getKey(), "given twice, also as " + previous.name());
            }
        }
        return new ForwardConfigParser(values).build(defaultHeloName);
    }

    /** The parameter an operator sets to change a TLS setting, for messages about it. */
    public static String parameterFor(TlsSettings.Setting setting) {
        return switch (setting) {
            case ROOT_CA -> Parameter.TLS_ROOT_CA.parameterName();
            case CERTIFICATE -> Parameter.TLS_CERT.parameterName();
            case KEY -> Parameter.TLS_KEY.parameterName();
            case PROTOCOLS -> Parameter.TLS_PROTOCOLS.parameterName();
            case CIPHERS -> Parameter.TLS_CIPHERS.parameterName();
            case CURVES -> Parameter.TLS_CURVES.parameterName();
        };
    }

    private ForwardConfig build(String defaultHeloName) throws InvalidConfigurationException {
        Protocol protocol = protocol();
        List<Endpoint> endpoints = targets();
        boolean starttls = starttls(protocol);
        if (values.containsKey(Parameter.REQUIRE_TLS)) {
            warnings.add(nameOf(Parameter.REQUIRE_TLS) + " is deprecated and ignored: TLS is required with starttls (tcp://) or tls:// endpoints");
        }
        TlsSettings tls = new TlsSettings(paths(Parameter.TLS_ROOT_CA), path(Parameter.TLS_CERT), path(Parameter.TLS_KEY),
            list(Parameter.TLS_PROTOCOLS), list(Parameter.TLS_CIPHERS), list(Parameter.TLS_CURVES));
        AuthMode auth = authMode();
        Optional<Credentials> credentials = credentials(auth);
        checkModeOnlyParameters(auth);
        checkAuthTransport(auth, tls, endpoints, starttls);
        Timeouts timeouts = new Timeouts(
            duration(Parameter.CONNECT_TIMEOUT, Timeouts.DEFAULTS.connect()),
            duration(Parameter.COMMAND_TIMEOUT, Timeouts.DEFAULTS.command()),
            duration(Parameter.SUBMISSION_TIMEOUT, Timeouts.DEFAULTS.submission()));
        DialogueLogging dialogue = values.containsKey(Parameter.DEBUG)
            ? (bool(Parameter.DEBUG) ? DialogueLogging.ON : DialogueLogging.OFF)
            : DialogueLogging.LOGGER_LEVEL;
        String heloName = heloName(defaultHeloName);
        String errorProcessor = text(Parameter.ERROR_PROCESSOR).orElse(DEFAULT_ERROR_PROCESSOR);
        if (errorProcessor.isEmpty()) {
            throw new InvalidConfigurationException(nameOf(Parameter.ERROR_PROCESSOR), "must name a processor");
        }
        boolean allowSenderRouting = values.containsKey(Parameter.ALLOW_SENDER_ROUTING) && bool(Parameter.ALLOW_SENDER_ROUTING);
        if (allowSenderRouting) {
            warnings.add(nameOf(Parameter.ALLOW_SENDER_ROUTING) + " is on: recipients such as user%elsewhere@yourdomain are forwarded"
                + " as written, and a downstream that trusts this relay may route them on to any domain");
        }
        boolean xforward = !values.containsKey(Parameter.XFORWARD) || bool(Parameter.XFORWARD);
        SenderSettings sender = new SenderSettings(protocol, endpoints, starttls, tls, auth, credentials, timeouts, heloName, dialogue,
            connections(timeouts.connect()), allowSenderRouting, xforward, failover(),
            new SendLimits(integer(Parameter.MAX_MESSAGES_PER_MINUTE, 0, 1, 1_000_000), integer(Parameter.MAX_RECIPIENTS_PER_MESSAGE, 0, 1, 100_000)),
            oauth(auth, timeouts));
        return new ForwardConfig(sender, delivery(), errorProcessor, warnings);
    }

    private ConnectionSettings connections(Duration connectTimeout) throws InvalidConfigurationException {
        ConnectionSettings defaults = ConnectionSettings.DEFAULTS;
        boolean reuse = !values.containsKey(Parameter.REUSE_CONNECTIONS) || bool(Parameter.REUSE_CONNECTIONS);
        Duration backoff = defaults.endpointBackoff();
        if (text(Parameter.ENDPOINT_BACKOFF).filter(v -> v.equalsIgnoreCase("off")).isPresent()) {
            backoff = Duration.ZERO;
        } else {
            backoff = duration(Parameter.ENDPOINT_BACKOFF, backoff);
        }
        return new ConnectionSettings(reuse,
            integer(Parameter.MAX_CONNECTIONS, defaults.maxPerEndpoint(), 1, 10_000),
            duration(Parameter.CONNECTION_IDLE_TIMEOUT, defaults.idleTimeout()),
            duration(Parameter.CONNECTION_MAX_AGE, defaults.maxAge()),
            integer(Parameter.CONNECTION_MAX_MESSAGES, defaults.maxMessages(), 1, 1_000_000),
            backoff,
            autoOrOff(Parameter.PIPELINING),
            autoOrOff(Parameter.CHUNKING),
            // as long as connecting may take, unless told otherwise: a queued delivery may wait its turn
            duration(Parameter.CONNECTION_WAIT_TIMEOUT, connectTimeout));
    }

    /** {@code failover}: connection (the default) or temporary. */
    private Failover failover() throws InvalidConfigurationException {
        String value = text(Parameter.FAILOVER).orElse(Failover.CONNECTION.written()).toLowerCase(Locale.ROOT);
        for (Failover failover : Failover.values()) {
            if (failover.written().equals(value)) {
                return failover;
            }
        }
        throw new InvalidConfigurationException(nameOf(Parameter.FAILOVER), "'" + value + "' is neither connection nor temporary");
    }

    private boolean autoOrOff(Parameter parameter) throws InvalidConfigurationException {
        String value = text(parameter).orElse("auto").toLowerCase(Locale.ROOT);
        Optional<Boolean> meant = value.equals("auto") ? Optional.of(true) : yesNo(value);
        if (meant.isEmpty()) {
            throw new InvalidConfigurationException(nameOf(parameter), "'" + value + "' is neither auto nor off");
        }
        return meant.get();
    }

    private DeliverySettings delivery() throws InvalidConfigurationException {
        String queue = text(Parameter.OUTGOING_QUEUE).orElse(DeliverySettings.DEFAULT_QUEUE);
        if (queue.isEmpty() || !queue.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidConfigurationException(nameOf(Parameter.OUTGOING_QUEUE), "'" + queue + "' is not a queue name (letters, digits, . _ -)");
        }
        int threads = integer(Parameter.DELIVERY_THREADS, DeliverySettings.DEFAULT_THREADS, 1, 1000);
        DeliverySettings.Inline inline = inline();
        OptionalInt inlineThreads = values.containsKey(Parameter.INLINE_THREADS)
            ? OptionalInt.of(integer(Parameter.INLINE_THREADS, 0, 1, 1000)) : OptionalInt.empty();
        if (inlineThreads.isPresent() && inline == DeliverySettings.Inline.NO) {
            throw new InvalidConfigurationException(nameOf(Parameter.INLINE_THREADS), "bounds the spool threads attempting inline, and "
                + nameOf(Parameter.INLINE) + " is no: set " + nameOf(Parameter.INLINE) + " to idle or yes, or leave it out");
        }
        RetrySchedule schedule;
        try {
            schedule = RetrySchedule.parse(text(Parameter.DELAY_TIME).orElse(RetrySchedule.DEFAULT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(nameOf(Parameter.DELAY_TIME), e.getMessage());
        }
        int maxRetries = integer(Parameter.MAX_RETRIES, schedule.length(), 0, 1000);
        Optional<String> bounceProcessor = text(Parameter.BOUNCE_PROCESSOR);
        if (bounceProcessor.isPresent() && bounceProcessor.get().isEmpty()) {
            throw new InvalidConfigurationException(nameOf(Parameter.BOUNCE_PROCESSOR), "must name a processor, or be left out to send DSNs");
        }
        Duration retention = duration(Parameter.CREDENTIALS_RETENTION, DeliverySettings.defaultCredentialsRetention(schedule, maxRetries));
        Optional<Path> keyFile = text(Parameter.CREDENTIALS_KEY_FILE).map(Path::of);
        return new DeliverySettings(queue, threads, inline, inlineThreads, schedule, maxRetries, bounceProcessor, retention, keyFile, retryDelays(),
            duration(Parameter.RETRY_HOLD_LIMIT, DeliverySettings.DEFAULT_RETRY_HOLD_LIMIT),
            duration(Parameter.HEALTH_QUEUE_AGE, DeliverySettings.DEFAULT_HEALTH_QUEUE_AGE));
    }

    /**
     * {@code inline}: no, idle (the default), or yes; the yes/no spellings maddy takes mean yes and
     * no, a bare flag yes.
     */
    private DeliverySettings.Inline inline() throws InvalidConfigurationException {
        if (!values.containsKey(Parameter.INLINE)) {
            return DeliverySettings.Inline.DEFAULT;
        }
        String value = text(Parameter.INLINE).orElse("").toLowerCase(Locale.ROOT);
        if (value.equals(DeliverySettings.Inline.IDLE.written())) {
            return DeliverySettings.Inline.IDLE;
        }
        Optional<Boolean> meant = yesNo(value);
        if (meant.isEmpty()) {
            throw new InvalidConfigurationException(nameOf(Parameter.INLINE), "'" + value + "' is none of no, idle, yes");
        }
        return meant.get() ? DeliverySettings.Inline.YES : DeliverySettings.Inline.NO;
    }

    private DeliverySettings.RetryDelays retryDelays() throws InvalidConfigurationException {
        String value = text(Parameter.RETRY_DELAYS).orElse(DeliverySettings.RetryDelays.AUTO.written()).toLowerCase(Locale.ROOT);
        for (DeliverySettings.RetryDelays mode : DeliverySettings.RetryDelays.values()) {
            if (mode.written().equals(value)) {
                return mode;
            }
        }
        throw new InvalidConfigurationException(nameOf(Parameter.RETRY_DELAYS), "'" + value + "' is none of auto, queue, wait-queues");
    }

    private int integer(Parameter parameter, int fallback, int min, int max) throws InvalidConfigurationException {
        Optional<String> value = text(parameter);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value.get());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below with the range
        }
        throw new InvalidConfigurationException(nameOf(parameter), "'" + value.get() + "' is not a whole number from " + min + " to " + max);
    }

    private Protocol protocol() throws InvalidConfigurationException {
        String value = text(Parameter.PROTOCOL).orElse("smtp").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "smtp" -> Protocol.SMTP;
            case "lmtp" -> Protocol.LMTP;
            default -> throw new InvalidConfigurationException(nameOf(Parameter.PROTOCOL), "'" + value + "' is neither smtp nor lmtp");
        };
    }

    private List<Endpoint> targets() throws InvalidConfigurationException {
        List<String> written = list(Parameter.TARGETS);
        if (written.isEmpty()) {
            throw new InvalidConfigurationException(Parameter.TARGETS.parameterName(),
                "required: give one or more endpoints, as tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        // maddy resolves unix://relative.sock against its runtime directory; James has its working directory
        Path workingDirectory = Path.of("").toAbsolutePath();
        for (String target : written) {
            try {
                Endpoint endpoint = Endpoint.parse(target, workingDirectory);
                if (Endpoint.isRelativeUnix(target)) {
                    warnings.add(nameOf(Parameter.TARGETS) + ": " + target + " is relative: resolved against James's working directory, "
                        + endpoint);
                }
                endpoints.add(endpoint);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(nameOf(Parameter.TARGETS), e.getMessage());
            }
        }
        return endpoints;
    }

    private boolean starttls(Protocol protocol) throws InvalidConfigurationException {
        if (values.containsKey(Parameter.ATTEMPT_STARTTLS)) {
            // maddy reads both and lets attempt_starttls win
            warnings.add(nameOf(Parameter.ATTEMPT_STARTTLS) + " is deprecated: write starttls instead (same meaning)"
                + (values.containsKey(Parameter.STARTTLS) ? "; starttls is given too, and " + nameOf(Parameter.ATTEMPT_STARTTLS)
                    + " wins, as in maddy" : ""));
            return bool(Parameter.ATTEMPT_STARTTLS);
        }
        return values.containsKey(Parameter.STARTTLS) ? bool(Parameter.STARTTLS) : protocol.starttlsByDefault();
    }

    private AuthMode authMode() throws InvalidConfigurationException {
        String[] words = text(Parameter.AUTH).orElse("off").split("\\s+");
        AuthMode mode = switch (words[0].toLowerCase(Locale.ROOT)) {
            case "off", "none", "" -> AuthMode.OFF;
            case "plain" -> AuthMode.PLAIN;
            case "login" -> AuthMode.LOGIN;
            case "forward" -> AuthMode.FORWARD;
            case "external" -> AuthMode.EXTERNAL;
            case "xoauth2" -> AuthMode.XOAUTH2;
            case "oauthbearer" -> AuthMode.OAUTHBEARER;
            default -> throw new InvalidConfigurationException(nameOf(Parameter.AUTH),
                "'" + words[0] + "' is not an auth mode: use off, plain, login, forward, external, xoauth2 or oauthbearer");
        };
        boolean maddyPlain = mode.usesConfiguredCredentials() && words.length == 3;
        if (words.length > 1 && !maddyPlain) {
            throw new InvalidConfigurationException(nameOf(Parameter.AUTH),
                "takes one word (off, plain, login, forward, external, xoauth2, oauthbearer), or maddy's 'plain USERNAME PASSWORD' / 'login USERNAME PASSWORD'");
        }
        return mode;
    }

    /** The parameters only some auth modes read, refused with the others. */
    private void checkModeOnlyParameters(AuthMode mode) throws InvalidConfigurationException {
        onlyWith(mode, EnumSet.of(AuthMode.FORWARD), "auth forward", Parameter.CREDENTIALS_RETENTION, Parameter.CREDENTIALS_KEY_FILE);
        onlyWith(mode, EnumSet.of(AuthMode.XOAUTH2, AuthMode.OAUTHBEARER), "auth xoauth2 or oauthbearer", TOKEN_SOURCE_PARAMETERS);
    }

    private void onlyWith(AuthMode mode, Set<AuthMode> modes, String modesWritten, Parameter... parameters) throws InvalidConfigurationException {
        onlyWith(mode, modes, modesWritten, List.of(parameters));
    }

    private void onlyWith(AuthMode mode, Set<AuthMode> modes, String modesWritten, List<Parameter> parameters) throws InvalidConfigurationException {
        for (Parameter parameter : parameters) {
            if (!modes.contains(mode) && values.containsKey(parameter)) {
                throw new InvalidConfigurationException(nameOf(parameter), "is only used with " + modesWritten + ", and auth is "
                    + mode.name().toLowerCase(Locale.ROOT));
            }
        }
    }

    private Optional<Credentials> credentials(AuthMode mode) throws InvalidConfigurationException {
        Optional<String> username = text(Parameter.AUTH_USERNAME);
        Optional<String> password = text(Parameter.AUTH_PASSWORD);
        String[] words = text(Parameter.AUTH).orElse("").split("\\s+");
        if (!mode.usesConfiguredCredentials()) {
            for (Parameter parameter : List.of(Parameter.AUTH_USERNAME, Parameter.AUTH_PASSWORD)) {
                if (mode.usesAccessToken() && parameter == Parameter.AUTH_USERNAME) {
                    // the user the token is for: read by oauth()
                    continue;
                }
                if (mode.usesAccessToken() && values.containsKey(parameter)) {
                    throw new InvalidConfigurationException(nameOf(parameter), "is not used with auth " + mode.name().toLowerCase(Locale.ROOT)
                        + ": the access token takes the password's place (" + Parameter.OAUTH_TOKEN_ENDPOINT.parameterName() + " or "
                        + Parameter.OAUTH_TOKEN_FILE.parameterName() + ")");
                }
                if (values.containsKey(parameter)) {
                    throw new InvalidConfigurationException(nameOf(parameter), "is only used with auth plain or login, and auth is "
                        + mode.name().toLowerCase(Locale.ROOT));
                }
            }
            return Optional.empty();
        }
        if (words.length == 3) {
            if (username.isPresent() || password.isPresent()) {
                throw new InvalidConfigurationException(nameOf(Parameter.AUTH),
                    "gives the credentials inline, and authUsername/authPassword give them too: keep one");
            }
            return Optional.of(new Credentials(words[1], words[2]));
        }
        if (username.isEmpty() || username.get().isEmpty()) {
            throw new InvalidConfigurationException(Parameter.AUTH_USERNAME.parameterName(), "required with auth " + mode.name().toLowerCase(Locale.ROOT));
        }
        if (password.isEmpty() || password.get().isEmpty()) {
            throw new InvalidConfigurationException(Parameter.AUTH_PASSWORD.parameterName(), "required with auth " + mode.name().toLowerCase(Locale.ROOT));
        }
        if (username.get().indexOf('\0') >= 0 || password.get().indexOf('\0') >= 0) {
            throw new InvalidConfigurationException(Parameter.AUTH_USERNAME.parameterName(), "a NUL character cannot be sent in SASL " + mode.name());
        }
        return Optional.of(new Credentials(username.get(), password.get()));
    }

    /** The user and the token source of auth xoauth2 / oauthbearer; refused with any other mode. */
    private Optional<OAuthLogin> oauth(AuthMode mode, Timeouts timeouts) throws InvalidConfigurationException {
        String mechanism = "auth " + mode.name().toLowerCase(Locale.ROOT);
        if (!mode.usesAccessToken()) {
            // the token source parameters with another mode are refused with the other mode-only parameters
            return Optional.empty();
        }
        Optional<String> username = text(Parameter.AUTH_USERNAME).filter(u -> !u.isEmpty());
        if (username.isEmpty()) {
            throw new InvalidConfigurationException(Parameter.AUTH_USERNAME.parameterName(), "required with " + mechanism
                + ": the mailbox the access token is for");
        }
        AccessTokens tokens = values.containsKey(Parameter.OAUTH_TOKEN_FILE) ? tokenFile(mechanism) : tokenEndpoint(mechanism, timeouts);
        try {
            return Optional.of(new OAuthLogin(username.get(), tokens));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(nameOf(Parameter.AUTH_USERNAME), e.getMessage());
        }
    }

    /** oauthTokenFile, the one token source: nothing of a token endpoint may be set beside it. */
    private AccessTokens tokenFile(String mechanism) throws InvalidConfigurationException {
        for (Parameter parameter : TOKEN_ENDPOINT_AND_ITS_PARAMETERS) {
            if (values.containsKey(parameter)) {
                throw new InvalidConfigurationException(nameOf(parameter), "is for a token endpoint, and " + nameOf(Parameter.OAUTH_TOKEN_FILE)
                    + " gives the access token already: keep one token source");
            }
        }
        return new TokenFile(readableFile(Parameter.OAUTH_TOKEN_FILE, mechanism + ": the file another tool keeps the access token fresh in"));
    }

    /** oauthTokenEndpoint with its client: the client credentials grant, or the refresh token grant with oauthRefreshTokenFile. */
    private AccessTokens tokenEndpoint(String mechanism, Timeouts timeouts) throws InvalidConfigurationException {
        if (!values.containsKey(Parameter.OAUTH_TOKEN_ENDPOINT)) {
            for (Parameter parameter : TOKEN_ENDPOINT_PARAMETERS) {
                if (values.containsKey(parameter)) {
                    throw new InvalidConfigurationException(Parameter.OAUTH_TOKEN_ENDPOINT.parameterName(), "required with "
                        + nameOf(parameter) + ": the token endpoint's https URL");
                }
            }
            throw new InvalidConfigurationException(Parameter.OAUTH_TOKEN_ENDPOINT.parameterName(), "required with " + mechanism
                + ", or " + Parameter.OAUTH_TOKEN_FILE.parameterName() + ": where the access tokens come from");
        }
        URI endpoint = tokenEndpointUrl();
        String clientId = text(Parameter.OAUTH_CLIENT_ID).filter(id -> !id.isEmpty()).orElseThrow(() -> new InvalidConfigurationException(
            Parameter.OAUTH_CLIENT_ID.parameterName(), "required with " + nameOf(Parameter.OAUTH_TOKEN_ENDPOINT)
                + ": the application (client) id registered with the provider"));
        if (hasControlCharacters(clientId)) {
            throw new InvalidConfigurationException(nameOf(Parameter.OAUTH_CLIENT_ID), "holds control characters");
        }
        Optional<String> scope = text(Parameter.OAUTH_SCOPE);
        if (scope.isPresent() && (scope.get().isEmpty() || hasControlCharacters(scope.get()))) {
            throw new InvalidConfigurationException(nameOf(Parameter.OAUTH_SCOPE), "is empty or holds control characters: give the scopes"
                + " separated by spaces, or leave it out");
        }
        Optional<Path> refreshTokenFile = values.containsKey(Parameter.OAUTH_REFRESH_TOKEN_FILE)
            ? Optional.of(readableFile(Parameter.OAUTH_REFRESH_TOKEN_FILE, "")) : Optional.empty();
        if (refreshTokenFile.isPresent()) {
            Path folder = refreshTokenFile.get().toAbsolutePath().getParent();
            if (!Files.isWritable(folder)) {
                throw new InvalidConfigurationException(nameOf(Parameter.OAUTH_REFRESH_TOKEN_FILE), "its folder " + folder
                    + " must be writable by this process, so that a refresh token the endpoint rotates is saved there");
            }
        }
        Optional<Path> secretFile = values.containsKey(Parameter.OAUTH_CLIENT_SECRET_FILE) || refreshTokenFile.isEmpty()
            ? Optional.of(readableFile(Parameter.OAUTH_CLIENT_SECRET_FILE, nameOf(Parameter.OAUTH_TOKEN_ENDPOINT)
                + " unless " + Parameter.OAUTH_REFRESH_TOKEN_FILE.parameterName() + " is given (the client credentials grant)"
                + ": the file holding the client secret"))
            : Optional.empty();
        return TokenEndpoint.shared(new TokenGrant(endpoint, clientId, secretFile, scope, refreshTokenFile), timeouts);
    }

    /** What goes in the token request's form as written: no control character may. */
    private static boolean hasControlCharacters(String value) {
        return value.chars().anyMatch(c -> c < ' ' || c == 0x7f);
    }

    /** oauthTokenEndpoint: https, or http to this host only, since the client secret goes in the request. */
    private URI tokenEndpointUrl() throws InvalidConfigurationException {
        String name = nameOf(Parameter.OAUTH_TOKEN_ENDPOINT);
        String written = text(Parameter.OAUTH_TOKEN_ENDPOINT).orElse("");
        URI uri;
        try {
            uri = new URI(written);
        } catch (URISyntaxException e) {
            throw new InvalidConfigurationException(name, "'" + written + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new InvalidConfigurationException(name, "'" + written + "' is not an https URL with a host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new InvalidConfigurationException(name, "must not carry a user or a fragment: the client authenticates with "
                + Parameter.OAUTH_CLIENT_ID.parameterName() + " and " + Parameter.OAUTH_CLIENT_SECRET_FILE.parameterName());
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            throw new InvalidConfigurationException(name, "'" + written + "' would send the client secret unencrypted: use https"
                + " (http is taken only for a loopback address)");
        }
        return uri;
    }

    private static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!bare.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            // a name other than localhost would need a lookup, and may resolve elsewhere later
            return false;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A file this process can read; {@code requiredWith} says, when it is missing, what it is required with and for. */
    private Path readableFile(Parameter parameter, String requiredWith) throws InvalidConfigurationException {
        Optional<String> file = text(parameter).filter(f -> !f.isEmpty());
        if (file.isEmpty()) {
            throw new InvalidConfigurationException(nameOf(parameter), values.containsKey(parameter) || requiredWith.isEmpty()
                ? "is empty: give the path of a file" : "required with " + requiredWith);
        }
        Path path = Path.of(file.get());
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InvalidConfigurationException(nameOf(parameter), "'" + path + "' is not a file this process can read");
        }
        return path;
    }

    private void checkAuthTransport(AuthMode auth, TlsSettings tls, List<Endpoint> endpoints, boolean starttls) throws InvalidConfigurationException {
        // read whatever the auth mode, so that a bad value fails init even where it changes nothing
        boolean allowPlaintextCredentials = values.containsKey(Parameter.ALLOW_PLAINTEXT_CREDENTIALS) && bool(Parameter.ALLOW_PLAINTEXT_CREDENTIALS);
        if (auth == AuthMode.EXTERNAL) {
            if (tls.certificate().isEmpty() && tls.key().isEmpty()) {
                // maddy allows it: the server may take the identity from elsewhere
                warnings.add("auth external without a client certificate (tlsCert, tlsKey): the server must know the identity"
                    + " from elsewhere, or it will refuse AUTH EXTERNAL");
            }
            for (Endpoint endpoint : endpoints) {
                if (endpoint.scheme() == Endpoint.Scheme.UNIX || endpoint.scheme() == Endpoint.Scheme.TCP && !starttls) {
                    throw new InvalidConfigurationException(nameOf(Parameter.AUTH), "external needs TLS, and " + endpoint
                        + " would be used without it (use tls://, or tcp:// with starttls)");
                }
            }
        }
        if (auth.usesConfiguredCredentials() || auth == AuthMode.FORWARD || auth.usesAccessToken()) {
            // a password goes over an unencrypted network session only when the operator said so: never by default
            // (LMTP's starttls is off by default, as maddy's is); a unix socket never leaves the host
            String mode = "auth " + auth.name().toLowerCase(Locale.ROOT);
            for (Endpoint endpoint : endpoints) {
                if (endpoint.scheme() == Endpoint.Scheme.TCP && !starttls) {
                    if (!allowPlaintextCredentials) {
                        throw new InvalidConfigurationException(nameOf(Parameter.AUTH), mode + " would send " + secrets(auth) + " to " + endpoint
                            + " unencrypted, because starttls is off: use tls://, or starttls yes, or accept the risk with "
                            + Parameter.ALLOW_PLAINTEXT_CREDENTIALS.parameterName() + " yes");
                    }
                    warnings.add(mode + " sends " + secrets(auth) + " to " + endpoint + " unencrypted, because starttls is off ("
                        + nameOf(Parameter.ALLOW_PLAINTEXT_CREDENTIALS) + " yes)");
                }
            }
        }
    }

    private static String secrets(AuthMode auth) {
        return auth.usesAccessToken() ? "access tokens" : "passwords";
    }

    private Duration duration(Parameter parameter, Duration fallback) throws InvalidConfigurationException {
        Optional<String> value = text(parameter);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return DurationValue.parse(value.get());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(nameOf(parameter), e.getMessage());
        }
    }

    private String heloName(String fallback) throws InvalidConfigurationException {
        String written = text(Parameter.HELO_NAME).orElse(fallback);
        String name;
        try {
            // an internationalised name goes out as its A-label, as maddy sends it (тест.invalid: xn--e1aybc.invalid)
            name = written.startsWith("[") ? written : IDN.toASCII(written, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(nameOf(Parameter.HELO_NAME), "'" + written + "' is not a host name: " + e.getMessage());
        }
        if (!name.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]")) {
            throw new InvalidConfigurationException(nameOf(Parameter.HELO_NAME), "'" + written + "' is not a host name or address literal");
        }
        return name;
    }

    private Optional<Path> path(Parameter parameter) throws InvalidConfigurationException {
        Optional<String> value = text(parameter);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().isEmpty()) {
            throw new InvalidConfigurationException(nameOf(parameter), "is empty: give the path of a PEM file, or leave it out");
        }
        return Optional.of(Path.of(value.get()));
    }

    /** maddy's boolean forms; a bare flag (an empty element, {@code <debug/>}) means yes, as maddy reads {@code debug} alone. */
    private boolean bool(Parameter parameter) throws InvalidConfigurationException {
        String value = text(parameter).orElse("").toLowerCase(Locale.ROOT);
        Optional<Boolean> meant = yesNo(value);
        if (meant.isEmpty()) {
            throw new InvalidConfigurationException(nameOf(parameter),
                "'" + value + "' is not a yes/no value (yes, no, true, false, on, off, 1, 0, or empty for yes)");
        }
        return meant.get();
    }

    /** What a yes/no value says, in lower case; empty when it says neither. */
    private static Optional<Boolean> yesNo(String value) {
        return switch (value) {
            case "true", "yes", "on", "1", "" -> Optional.of(true);
            case "false", "no", "off", "0" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    /** One or more files, separated by spaces or commas (maddy's {@code root_ca} takes several). */
    private List<Path> paths(Parameter parameter) throws InvalidConfigurationException {
        Optional<String> value = text(parameter);
        if (value.isPresent() && value.get().isEmpty()) {
            throw new InvalidConfigurationException(nameOf(parameter), "is empty: give the path of a PEM file (or several), or leave it out");
        }
        return list(parameter).stream().map(Path::of).toList();
    }

    private List<String> list(Parameter parameter) {
        return text(parameter).map(v -> Arrays.stream(v.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
    }

    private Optional<String> text(Parameter parameter) {
        return Optional.ofNullable(values.get(parameter)).map(Written::value);
    }

    private String nameOf(Parameter parameter) {
        Written written = values.get(parameter);
        return written == null ? parameter.parameterName() : written.name();
    }
}
