package org.remoteforward.sender;

/**
 * Where {@code auth xoauth2} and {@code auth oauthbearer} get their access token: a file another
 * tool keeps fresh ({@code oauthTokenFile}), or a token endpoint. One instance serves every
 * session of a sender, from any thread.
 */
public interface AccessTokens {
    /**
     * The token to present now: the one at hand while it is fresh, else a new one.
     *
     * @throws TokenUnavailableException when none can be had now (the file unreadable or empty, the
     *     endpoint down or refusing): a temporary failure, the mail waits for its retry
     */
    AccessToken current() throws TokenUnavailableException;

    /** The server refused {@code token}: it is not given out again, so {@link #current} gets another. */
    void refused(AccessToken token);
}
