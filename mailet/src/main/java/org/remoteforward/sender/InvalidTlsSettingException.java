package org.remoteforward.sender;

/** A TLS setting that cannot be used: an unreadable PEM file, an unknown protocol, cipher or group. */
public final class InvalidTlsSettingException extends Exception {
    private final TlsSettings.Setting setting;

    InvalidTlsSettingException(TlsSettings.Setting setting, String message) {
        super(message);
        this.setting = setting;
    }

    InvalidTlsSettingException(TlsSettings.Setting setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    /** Which setting is at fault. */
    public TlsSettings.Setting setting() {
        return setting;
    }
}
