package org.remoteforward.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The charts: a horizontal bar chart per group (P1, P2...) of each scenario's median rate, and a line chart per scale curve. */
final class Chart {
    private static final Color[] SERIES = {new Color(0x3b6ea5), new Color(0xd9822b), new Color(0x4f9a4f), new Color(0x9a4f8f)};

    private Chart() {
    }

    static void bars(List<Measurement> results, Path dir, String title) throws IOException {
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
            ((BarRenderer) plot.getRenderer()).setSeriesPaint(0, SERIES[0]);
            ChartUtils.saveChartAsPNG(dir.resolve("benchmark-" + group.toLowerCase() + ".png").toFile(), chart, 1000, 100 + 38 * rows.size());
        }
    }

    /** One curve's chart, x on a log scale, written as {@code benchmark-<file>.png}. */
    static void line(Curve curve, Path dir, String title) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Curve.Series series : curve.series()) {
            XYSeries line = new XYSeries(series.name());
            series.points().forEach(point -> line.add(point.x(), point.y()));
            data.addSeries(line);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title + " — " + curve.title(), curve.xLabel(), curve.yLabel(), data,
            PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        LogAxis x = new LogAxis(curve.xLabel());
        x.setBase(curve.xLogBase());
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        plot.setDomainAxis(x);
        if (curve.yLog()) {
            plot.setRangeAxis(new LogAxis(curve.yLabel()));
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < curve.series().size(); i++) {
            renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(dir.resolve("benchmark-" + curve.file() + ".png").toFile(), chart, 900, 500);
    }
}
