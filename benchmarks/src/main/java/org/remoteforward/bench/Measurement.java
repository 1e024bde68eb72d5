package org.remoteforward.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One row of the results: a scenario, its runs' rates in messages per second, and the median.
 *
 * @param group P1, P2, P3...
 * @param scenario what ran
 * @param rates messages per second of each run
 * @param note anything the figure needs said next to it
 * @param role ours or an anchor, and what its chart bar is compared to
 */
record Measurement(String group, String scenario, List<Double> rates, String note, Role role) {
    double median() {
        return median(rates);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
