package org.remoteforward.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * A throw-away certificate authority for tests: a CA, certificates it issues for servers and
 * clients, written as PEM files the way operators have them.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final String caName;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;

    private TestPki(Path dir, String caName, KeyPair caKeys, X509Certificate caCertificate) {
        this.dir = dir;
        this.caName = caName;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
    }

    public static TestPki create(Path dir, String caName) throws Exception {
        KeyPair keys = rsa();
        X500Name name = new X500Name("CN=" + caName);
        X509v3CertificateBuilder builder = builder(name, name, keys)
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate certificate = sign(builder, keys.getPrivate());
        TestPki pki = new TestPki(dir, caName, keys, certificate);
        pki.writePem("ca-" + caName + ".pem", certificate);
        return pki;
    }

    public Path caFile() {
        return dir.resolve("ca-" + caName + ".pem");
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** A certificate valid for localhost and 127.0.0.1, unless other names are given. */
    public Issued server(String... dnsNames) throws Exception {
        String[] names = dnsNames.length == 0 ? new String[] {"localhost"} : dnsNames;
        GeneralName[] alternatives = new GeneralName[names.length + (dnsNames.length == 0 ? 1 : 0)];
        for (int i = 0; i < names.length; i++) {
            alternatives[i] = new GeneralName(GeneralName.dNSName, names[i]);
        }
        if (dnsNames.length == 0) {
            alternatives[names.length] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
        }
        return issue("server-" + names[0], rsa(), new GeneralNames(alternatives));
    }

    public Issued clientRsa(String commonName) throws Exception {
        return issue(commonName, rsa(), null);
    }

    public Issued clientEc(String commonName) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return issue(commonName, generator.generateKeyPair(), null);
    }

    private Issued issue(String commonName, KeyPair keys, GeneralNames alternatives) throws Exception {
        X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder builder = builder(issuer, new X500Name("CN=" + commonName), keys);
        if (alternatives != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, alternatives);
        }
        X509Certificate certificate = sign(builder, caKeys.getPrivate());
        Issued issued = new Issued(commonName, certificate, keys.getPrivate(), dir);
        writePem(commonName + ".crt.pem", certificate);
        return issued;
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws Exception {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, new SecureRandom());
        return generator.generateKeyPair();
    }

    private void writePem(String fileName, Object object) throws IOException {
        Files.writeString(dir.resolve(fileName), pem(object));
    }

    static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new JcaMiscPEMGenerator(object));
        }
        return text.toString();
    }

    /** A certificate and its key, with helpers to write the key in each PEM form. */
    public record Issued(String name, X509Certificate certificate, PrivateKey key, Path dir) {
        public Path certificateFile() {
            return dir.resolve(name + ".crt.pem");
        }

        /** "BEGIN PRIVATE KEY". */
        public Path pkcs8KeyFile() throws IOException {
            Path file = dir.resolve(name + ".pkcs8.key.pem");
            try (PemWriter writer = new PemWriter(Files.newBufferedWriter(file))) {
                writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
            }
            return file;
        }

        /**
         * "BEGIN RSA PRIVATE KEY" (PKCS#1) or "BEGIN EC PRIVATE KEY" (SEC1 with the curve named,
         * as openssl writes it): the traditional forms.
         */
        public Path traditionalKeyFile() throws IOException {
            Path file = dir.resolve(name + ".traditional.key.pem");
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            PemObject pem;
            if (key.getAlgorithm().equals("EC")) {
                ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
                ASN1Primitive curve = info.getPrivateKeyAlgorithm().getParameters().toASN1Primitive();
                ECPrivateKey sec1 = new ECPrivateKey(256, inner.getKey(), SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()).getPublicKeyData(), curve);
                pem = new PemObject("EC PRIVATE KEY", sec1.getEncoded());
            } else {
                pem = new PemObject("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
            }
            try (PemWriter writer = new PemWriter(Files.newBufferedWriter(file))) {
                writer.writeObject(pem);
            }
            return file;
        }

        /** A server-side TLS context presenting this certificate, trusting {@code clientCa} for client certificates. */
        public SSLContext serverContext(X509Certificate clientCa) throws Exception {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", key, new char[0], new X509Certificate[] {certificate});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, new char[0]);
            KeyStore trustStore = KeyStore.getInstance("PKCS12");
            trustStore.load(null, null);
            trustStore.setCertificateEntry("ca", clientCa);
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        }
    }
}
