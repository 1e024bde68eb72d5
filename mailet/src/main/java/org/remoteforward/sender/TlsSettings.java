package org.remoteforward.sender;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Client TLS settings; empty values mean the JVM's defaults.
 *
 * @param rootCa PEM files of trust anchors, all of them trusted; empty: the JVM's trust store
 * @param certificate PEM file of the client certificate chain, leaf first
 * @param key PEM file of the client certificate's private key (PKCS#8, PKCS#1 or SEC1)
 * @param protocols one version (only that one) or two (minimum and maximum), e.g. TLSv1.2 TLSv1.3
 * @param ciphers cipher suites by their IANA/JSSE names
 * @param curves named groups for key exchange, e.g. x25519 secp256r1
 */
public record TlsSettings(List<Path> rootCa, Optional<Path> certificate, Optional<Path> key,
                          List<String> protocols, List<String> ciphers, List<String> curves) {

    public static final TlsSettings DEFAULTS = new TlsSettings(List.of(), Optional.empty(), Optional.empty(),
        List.of(), List.of(), List.of());

    public TlsSettings {
        rootCa = List.copyOf(rootCa);
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        curves = List.copyOf(curves);
    }

    /** Names one of the settings above, so a configuration layer can say which of its own parameters is wrong. */
    public enum Setting {
        ROOT_CA, CERTIFICATE, KEY, PROTOCOLS, CIPHERS, CURVES
    }
}
