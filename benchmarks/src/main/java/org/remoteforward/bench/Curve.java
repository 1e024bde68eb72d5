package org.remoteforward.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One scale curve: a quantity measured at several points of one variable (message size,
 * recipients, sessions), one series per thing measured, charted with x on a log scale.
 *
 * @param file the chart's file name part ({@code benchmark-<file>.png})
 * @param title what the curve shows
 * @param xLabel the variable
 * @param xLogBase the log scale's base for x (2 for sizes, 10 for counts)
 * @param yLabel the quantity
 * @param yLog whether y is on a log scale too
 * @param series the lines
 */
record Curve(String file, String title, String xLabel, double xLogBase, String yLabel, boolean yLog, List<Series> series) {
    Curve {
        series = new ArrayList<>(series);
    }

    /** A line, its points added as they are measured. */
    record Series(String name, List<Point> points) {
        Series(String name) {
            this(name, new ArrayList<>());
        }

        void add(double x, double y) {
            points.add(new Point(x, y));
        }
    }

    record Point(double x, double y) {
    }

    /** The curve as a Markdown table: a row per x, a column per series. */
    String table(String xFormat, String yFormat) {
        StringBuilder text = new StringBuilder("| ").append(xLabel);
        series.forEach(s -> text.append(" | ").append(s.name()));
        text.append(" |\n|---:");
        series.forEach(s -> text.append("|---:"));
        text.append("|\n");
        List<Double> xs = series.stream().flatMap(s -> s.points().stream()).map(Point::x).distinct().sorted().toList();
        for (double x : xs) {
            text.append("| ").append(String.format(xFormat, x));
            for (Series s : series) {
                text.append(" | ").append(s.points().stream().filter(p -> p.x() == x).findFirst()
                    .map(p -> String.format(yFormat, p.y())).orElse(""));
            }
            text.append(" |\n");
        }
        return text.toString();
    }
}
