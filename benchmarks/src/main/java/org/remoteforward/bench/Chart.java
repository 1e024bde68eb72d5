package org.remoteforward.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;

/** One horizontal bar chart per group (P1, P2...) of each scenario's median rate, each on its own scale. */
final class Chart {
    private Chart() {
    }

    static void write(List<Measurement> results, Path dir, String title) throws IOException {
        for (String group : results.stream().map(Measurement::group).distinct().toList()) {
            List<Measurement> rows = results.stream().filter(m -> m.group().equals(group)).toList();
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (Measurement m : rows) {
                data.addValue(m.median(), "median messages/s", m.scenario());
            }
            JFreeChart chart = ChartFactory.createBarChart(title + " — " + group, null, "messages/s (median)",
                data, PlotOrientation.HORIZONTAL, false, false, false);
            CategoryPlot plot = chart.getCategoryPlot();
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            ((BarRenderer) plot.getRenderer()).setSeriesPaint(0, new Color(0x3b6ea5));
            ChartUtils.saveChartAsPNG(dir.resolve("benchmark-" + group.toLowerCase() + ".png").toFile(), chart, 1000, 100 + 38 * rows.size());
        }
    }
}
