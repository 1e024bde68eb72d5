package org.remoteforward.sender;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The recipients {@code failover temporary} takes from target to target within one delivery, and
 * what each target answered them. A recipient a target answered with 4xx goes on to the targets
 * not tried yet; once another target decides it, its result tells every answer in order. A target
 * that could not take it at all (unreachable, its SIZE too small, the session broke) decides
 * nothing: the recipient still waits on the 4xx it had, so that a target unfit for the message never
 * turns a wait into a bounce. Used by one delivery, on its own thread.
 */
final class FailoverTrail {
    /** How much of one target's answer a trail keeps: a few KB from one target must not crowd out what the next said. */
    static final int STEP_CHARS = 1000;

    private final List<Endpoint> endpoints;
    /** Each recipient on its way to a further target, with its result so far, the trail of answers as its detail. */
    private final Map<String, RecipientResult> goingOn = new HashMap<>();
    /** The recipients whose detail is a trail already, each step of it bounded. */
    private final Set<String> onTrail = new HashSet<>();

    FailoverTrail(List<Endpoint> endpoints) {
        this.endpoints = endpoints;
    }

    /** A recipient's result from a round: as it is, or, for one that came here failing over, told after the earlier answers. */
    RecipientResult after(RecipientResult result) {
        RecipientResult earlier = goingOn.remove(result.recipient());
        if (earlier == null) {
            return result;
        }
        onTrail.add(result.recipient());
        String told = result.delivered() ? "delivered by " + result.endpoint().map(Object::toString).orElse("the server") + " (" + result.detail() + ")"
            : result.detail();
        String detail = earlier.detail() + "; then " + PrintableText.line(told, STEP_CHARS);
        // a target that could not take the recipient at all decided nothing: the earlier 4xx stands
        boolean decidedByServer = result.delivered() || result.serverReply().isPresent();
        return (decidedByServer ? result : earlier).withDetail(detail);
    }

    /**
     * Of {@code decided}, a round's results as {@link #after} told them, those to try on a further
     * target: failed on a server's 4xx, while some target is not in {@code tried} (those passed over
     * and the round's own). They are kept here until their next result comes.
     */
    List<String> goOn(List<RecipientResult> decided, Set<Endpoint> tried) {
        if (tried.containsAll(endpoints)) {
            return List.of();
        }
        List<String> next = new ArrayList<>();
        for (RecipientResult result : decided) {
            if (waitsOnATemporaryReply(result)) {
                boolean trail = onTrail.contains(result.recipient());
                goingOn.put(result.recipient(), trail ? result : result.withDetail(PrintableText.line(result.detail(), STEP_CHARS)));
                next.add(result.recipient());
            }
        }
        return next;
    }

    /** Failed on a server's 4xx (MAIL FROM, RCPT TO, DATA, after the message, AUTH): what another target may take now. */
    static boolean waitsOnATemporaryReply(RecipientResult result) {
        return result.outcome() == Outcome.TEMPORARY_FAILURE && result.serverReply().map(Reply::isTransient).orElse(false);
    }
}
