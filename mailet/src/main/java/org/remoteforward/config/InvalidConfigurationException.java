package org.remoteforward.config;

/** A parameter whose value cannot be used; the message starts with the parameter's name. */
public final class InvalidConfigurationException extends Exception {
    public InvalidConfigurationException(String parameter, String problem) {
        super(parameter + ": " + problem);
    }

    public InvalidConfigurationException(String parameter, String problem, Throwable cause) {
        super(parameter + ": " + problem, cause);
    }
}
