package org.remoteforward.sender;

/**
 * What a relay takes from this node, per endpoint: cloud smarthosts throttle (Exchange Online, 30
 * messages a minute a mailbox) and cap recipients a message. Each node counts only its own.
 *
 * @param messagesPerMinute {@code maxMessagesPerMinute}: transactions a minute to one endpoint; 0 for no limit
 * @param recipientsPerMessage {@code maxRecipientsPerMessage}: recipients in one transaction, the rest
 *     in further ones (as after a server's own 452); 0 for no limit
 */
public record SendLimits(int messagesPerMinute, int recipientsPerMessage) {
    /** No limit of our own: the servers' replies are the only ones. */
    public static final SendLimits NONE = new SendLimits(0, 0);

    public SendLimits {
        if (messagesPerMinute < 0 || recipientsPerMessage < 0) {
            throw new IllegalArgumentException("a limit is a count, 0 for none");
        }
    }
}
