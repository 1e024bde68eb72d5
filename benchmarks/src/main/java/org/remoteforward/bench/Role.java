package org.remoteforward.bench;

import java.util.List;
import java.util.Optional;

/**
 * What a row is in its group's chart: one of ours, or an anchor (a figure ours are measured
 * against: smtp-source, James's own ceiling, RemoteDelivery, Postfix's lmtp path), and the anchors
 * its bar gives its ratio to.
 *
 * @param anchorName present for an anchor: the short name a ratio to it is printed with
 * @param comparedTo the scenarios of the anchors this row is divided by, in the group
 */
record Role(Optional<String> anchorName, List<String> comparedTo) {
    static final Role NONE = new Role(Optional.empty(), List.of());

    Role {
        comparedTo = List.copyOf(comparedTo);
    }

    static Role ours(String... anchorScenarios) {
        return new Role(Optional.empty(), List.of(anchorScenarios));
    }

    static Role anchor(String name, String... anchorScenarios) {
        return new Role(Optional.of(name), List.of(anchorScenarios));
    }

    boolean isAnchor() {
        return anchorName.isPresent();
    }
}
