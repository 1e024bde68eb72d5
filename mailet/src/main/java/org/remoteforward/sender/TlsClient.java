package org.remoteforward.sender;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens TLS over a connected socket with the operator's settings: trust anchors, client
 * certificate, protocol versions, cipher suites and named groups. Certificate chains and host
 * names are always verified; TLS 1.2 is the lowest version unless the operator names another.
 */
final class TlsClient {
    private static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    private static final Map<String, String> GROUP_ALIASES = Map.of(
        "p256", "secp256r1", "p384", "secp384r1", "p521", "secp521r1",
        "prime256v1", "secp256r1", "x25519", "x25519", "x448", "x448");
    private static final Set<String> GROUPS = Set.of("x25519", "x448", "secp256r1", "secp384r1", "secp521r1",
        "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192");

    private final SSLContext context;
    private final String[] protocols;
    private final String[] ciphers;
    private final String[] groups;

    private TlsClient(SSLContext context, String[] protocols, String[] ciphers, String[] groups) {
        this.context = context;
        this.protocols = protocols;
        this.ciphers = ciphers;
        this.groups = groups;
    }

    static TlsClient create(TlsSettings settings) throws InvalidTlsSettingException {
        SSLContext context = context(settings);
        SSLParameters supported = context.getSupportedSSLParameters();
        String[] protocols = protocols(settings.protocols(), List.of(context.getDefaultSSLParameters().getProtocols()));
        String[] ciphers = ciphers(settings.ciphers(), Set.of(supported.getCipherSuites()));
        String[] groups = groups(settings.curves());
        return new TlsClient(context, protocols, ciphers, groups);
    }

    /** Wraps a connected TCP socket; the caller runs the handshake under its own timeout. */
    SSLSocket wrap(Socket raw, Endpoint endpoint) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, endpoint.tlsHost(), endpoint.port(), true);
        SSLParameters parameters = socket.getSSLParameters();
        // "HTTPS" is JSSE's RFC 2818/6125 check: SAN DNS names and IP addresses, which is what RFC 7817 asks of SMTP
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isIpLiteral(endpoint.tlsHost())) {
            parameters.setServerNames(List.of(new SNIHostName(endpoint.tlsHost())));
        }
        parameters.setProtocols(protocols);
        if (ciphers.length > 0) {
            parameters.setCipherSuites(ciphers);
        }
        if (groups.length > 0) {
            setNamedGroups(parameters, groups);
        }
        socket.setSSLParameters(parameters);
        socket.setUseClientMode(true);
        return socket;
    }

    private static SSLContext context(TlsSettings settings) throws InvalidTlsSettingException {
        TrustManager[] trust = null;
        if (!settings.rootCa().isEmpty()) {
            List<X509Certificate> anchors = new ArrayList<>();
            for (Path file : settings.rootCa()) {
                anchors.addAll(PemFiles.certificates(file, TlsSettings.Setting.ROOT_CA));
            }
            try {
                KeyStore store = emptyStore();
                for (int i = 0; i < anchors.size(); i++) {
                    store.setCertificateEntry("anchor-" + i, anchors.get(i));
                }
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                trust = factory.getTrustManagers();
            } catch (GeneralSecurityException | IOException e) {
                throw new InvalidTlsSettingException(TlsSettings.Setting.ROOT_CA, "cannot use " + settings.rootCa() + " as trust anchors: " + e.getMessage(), e);
            }
        }
        KeyManager[] keys = null;
        if (settings.certificate().isPresent() != settings.key().isPresent()) {
            TlsSettings.Setting missing = settings.certificate().isPresent() ? TlsSettings.Setting.KEY : TlsSettings.Setting.CERTIFICATE;
            throw new InvalidTlsSettingException(missing, "a client certificate needs both the certificate and its private key");
        }
        if (settings.certificate().isPresent()) {
            List<X509Certificate> chain = PemFiles.certificates(settings.certificate().get(), TlsSettings.Setting.CERTIFICATE);
            PrivateKey key = PemFiles.privateKey(settings.key().get());
            if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
                throw new InvalidTlsSettingException(TlsSettings.Setting.KEY, settings.key().get() + " holds a " + key.getAlgorithm()
                    + " key but the certificate in " + settings.certificate().get() + " is for " + chain.get(0).getPublicKey().getAlgorithm());
            }
            try {
                KeyStore store = emptyStore();
                char[] password = new char[0];
                store.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                keys = factory.getKeyManagers();
            } catch (GeneralSecurityException | IOException e) {
                throw new InvalidTlsSettingException(TlsSettings.Setting.KEY, "cannot pair " + settings.key().get() + " with " + settings.certificate().get() + ": " + e.getMessage(), e);
            }
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot create a TLS context", e);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static String[] protocols(List<String> configured, List<String> jvmDefaults) throws InvalidTlsSettingException {
        if (configured.isEmpty()) {
            // JVM defaults, minus anything older than TLS 1.2 that a JVM might still enable
            return jvmDefaults.stream().filter(p -> VERSIONS.indexOf(p) >= VERSIONS.indexOf("TLSv1.2")).toArray(String[]::new);
        }
        if (configured.size() > 2) {
            throw new InvalidTlsSettingException(TlsSettings.Setting.PROTOCOLS, "give one version, or a minimum and a maximum, not " + configured.size() + " values");
        }
        int min = version(configured.get(0));
        int max = version(configured.get(configured.size() - 1));
        if (min > max) {
            throw new InvalidTlsSettingException(TlsSettings.Setting.PROTOCOLS, "minimum " + configured.get(0) + " is above maximum " + configured.get(1));
        }
        return VERSIONS.subList(min, max + 1).toArray(String[]::new);
    }

    private static int version(String name) throws InvalidTlsSettingException {
        String normalized = name.trim().toLowerCase(Locale.ROOT).replace("tlsv", "").replace("tls", "");
        int index = switch (normalized) {
            case "1", "1.0" -> 0;
            case "1.1" -> 1;
            case "1.2" -> 2;
            case "1.3" -> 3;
            default -> -1;
        };
        if (index < 0) {
            throw new InvalidTlsSettingException(TlsSettings.Setting.PROTOCOLS, "'" + name + "' is not a TLS version: use tls1.0, tls1.1, tls1.2 or tls1.3");
        }
        return index;
    }

    /**
     * maddy's cipher names (Go's, written with dashes) and the IANA/JSSE suites they mean, so that
     * a maddy {@code ciphers} line carries over.
     */
    static final Map<String, String> MADDY_CIPHERS = Map.ofEntries(
        Map.entry("RSA-WITH-RC4128-SHA", "TLS_RSA_WITH_RC4_128_SHA"),
        Map.entry("RSA-WITH-3DES-EDE-CBC-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        Map.entry("RSA-WITH-AES128-CBC-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
        Map.entry("RSA-WITH-AES256-CBC-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"),
        Map.entry("RSA-WITH-AES128-CBC-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256"),
        Map.entry("RSA-WITH-AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
        Map.entry("RSA-WITH-AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
        Map.entry("ECDHE-ECDSA-WITH-RC4128-SHA", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
        Map.entry("ECDHE-ECDSA-WITH-AES128-CBC-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
        Map.entry("ECDHE-ECDSA-WITH-AES256-CBC-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
        Map.entry("ECDHE-RSA-WITH-RC4128-SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
        Map.entry("ECDHE-RSA-WITH-3DES-EDE-CBC-SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
        Map.entry("ECDHE-RSA-WITH-AES128-CBC-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        Map.entry("ECDHE-RSA-WITH-AES256-CBC-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
        Map.entry("ECDHE-ECDSA-WITH-AES128-CBC-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
        Map.entry("ECDHE-RSA-WITH-AES128-CBC-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
        Map.entry("ECDHE-RSA-WITH-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        Map.entry("ECDHE-ECDSA-WITH-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        Map.entry("ECDHE-RSA-WITH-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        Map.entry("ECDHE-ECDSA-WITH-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
        Map.entry("ECDHE-RSA-WITH-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        Map.entry("ECDHE-ECDSA-WITH-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));

    private static String[] ciphers(List<String> configured, Set<String> supported) throws InvalidTlsSettingException {
        List<String> suites = new ArrayList<>();
        for (String cipher : configured) {
            String suite = MADDY_CIPHERS.getOrDefault(cipher.toUpperCase(Locale.ROOT), cipher);
            if (!supported.contains(suite)) {
                String means = suite.equals(cipher) ? "" : " (maddy's name for " + suite + ")";
                throw new InvalidTlsSettingException(TlsSettings.Setting.CIPHERS, "'" + cipher + "'" + means
                    + " is not a cipher suite this JVM supports (use IANA names such as TLS_AES_128_GCM_SHA256, or maddy's such as"
                    + " ECDHE-RSA-WITH-AES128-GCM-SHA256)");
            }
            suites.add(suite);
        }
        return suites.toArray(String[]::new);
    }

    private static String[] groups(List<String> configured) throws InvalidTlsSettingException {
        Set<String> groups = new LinkedHashSet<>();
        for (String curve : configured) {
            String name = curve.trim().toLowerCase(Locale.ROOT);
            name = GROUP_ALIASES.getOrDefault(name, name);
            if (!GROUPS.contains(name)) {
                throw new InvalidTlsSettingException(TlsSettings.Setting.CURVES, "'" + curve + "' is not a named group: use x25519, x448, p256, p384, p521 or ffdhe2048..ffdhe8192");
            }
            groups.add(name);
        }
        if (!groups.isEmpty() && NAMED_GROUPS_SETTER == null) {
            throw new InvalidTlsSettingException(TlsSettings.Setting.CURVES, "choosing named groups per connection needs Java 20 or later (this JVM is "
                + Runtime.version().feature() + "); on this JVM set them for the whole process with -Djdk.tls.namedGroups=" + String.join(",", groups));
        }
        return groups.toArray(String[]::new);
    }

    /** SSLParameters#setNamedGroups arrived in Java 20; James 3.8 runs on 11 to 21. */
    private static final Method NAMED_GROUPS_SETTER = namedGroupsSetter();

    private static Method namedGroupsSetter() {
        try {
            return SSLParameters.class.getMethod("setNamedGroups", String[].class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    static boolean canChooseNamedGroups() {
        return NAMED_GROUPS_SETTER != null;
    }

    private static void setNamedGroups(SSLParameters parameters, String[] groups) {
        try {
            NAMED_GROUPS_SETTER.invoke(parameters, (Object) groups);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot set named groups " + Arrays.toString(groups), e);
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }
}
