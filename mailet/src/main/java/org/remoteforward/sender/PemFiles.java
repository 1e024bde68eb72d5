package org.remoteforward.sender;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads certificates and private keys from PEM files. Keys may be PKCS#8 ("PRIVATE KEY"),
 * PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"): the forms openssl and certbot write.
 * BouncyCastle reads them; James ships it.
 */
final class PemFiles {
    private PemFiles() {
    }

    static List<X509Certificate> certificates(Path file, TlsSettings.Setting setting) throws InvalidTlsSettingException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                .map(X509Certificate.class::cast)
                .toList();
            if (certificates.isEmpty()) {
                throw new InvalidTlsSettingException(setting, file + " holds no PEM certificate");
            }
            return certificates;
        } catch (IOException e) {
            throw new InvalidTlsSettingException(setting, "cannot read " + file + ": " + e, e);
        } catch (CertificateException e) {
            throw new InvalidTlsSettingException(setting, file + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    static PrivateKey privateKey(Path file) throws InvalidTlsSettingException {
        TlsSettings.Setting setting = TlsSettings.Setting.KEY;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (item instanceof PEMKeyPair pair) {
                    // the private key alone: SEC1 makes the public key optional, and many files leave it out
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (item instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new InvalidTlsSettingException(setting, file + " holds an encrypted key: give an unencrypted one, readable by James only");
                }
            }
            throw new InvalidTlsSettingException(setting, file + " holds no PEM private key (PKCS#8, PKCS#1 or SEC1)");
        } catch (IOException e) {
            throw new InvalidTlsSettingException(setting, "cannot read the private key in " + file + ": " + e.getMessage(), e);
        }
    }
}
