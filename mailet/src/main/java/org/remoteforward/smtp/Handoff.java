package org.remoteforward.smtp;

import org.remoteforward.mailet.DeliveryMetrics;
import org.remoteforward.mailet.DeliveryNotices;

/**
 * What a client's forwarded transaction is handed to as it goes and once it ends, the same for
 * every client of one ForwardingRcptHook: its configuration, where recipients failed after the
 * client was answered go, the success notices owed to senders, and the metrics.
 */
record Handoff(SynchronousForwardConfig config, FailedRecipientsRoute failedRecipients, DeliveryNotices notices,
               DeliveryMetrics metrics) {
}
