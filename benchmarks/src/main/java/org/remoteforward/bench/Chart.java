package org.remoteforward.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.labels.CategoryItemLabelGenerator;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;
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

    /** Our rows' colour and the anchors' in the bar charts. */
    private static final Color OURS = new Color(0x3b6ea5);
    private static final Color ANCHOR = new Color(0x9a9a9a);

    /**
     * One horizontal bar chart per group: every scenario's full name, our rows and the anchors in
     * two colours, and on each bar its median with its ratio to the anchors its row names.
     */
    static void bars(List<Measurement> results, Path dir, String title) throws IOException {
        for (String group : results.stream().map(Measurement::group).distinct().toList()) {
            List<Measurement> rows = results.stream().filter(m -> m.group().equals(group)).toList();
            Map<String, Measurement> byScenario = new LinkedHashMap<>();
            rows.forEach(m -> byScenario.put(m.scenario(), m));
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (Measurement m : rows) {
                data.addValue(m.median(), "median messages/s", m.scenario());
            }
            JFreeChart chart = ChartFactory.createBarChart(title + " — " + group, null, "messages/s (median)",
                data, PlotOrientation.HORIZONTAL, false, false, false);
            CategoryPlot plot = chart.getCategoryPlot();
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            CategoryAxis labels = plot.getDomainAxis();
            // the whole scenario name, on up to three lines, in up to half the width
            labels.setMaximumCategoryLabelWidthRatio(0.5f);
            labels.setMaximumCategoryLabelLines(3);
            BarRenderer renderer = new BarRenderer() {
                @Override
                public Paint getItemPaint(int row, int column) {
                    return rows.get(column).role().isAnchor() ? ANCHOR : OURS;
                }
            };
            renderer.setBarPainter(new StandardBarPainter());
            renderer.setShadowVisible(false);
            renderer.setDefaultItemLabelGenerator(new BarLabels(rows, byScenario));
            renderer.setDefaultItemLabelsVisible(true);
            renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
            plot.setRenderer(renderer);
            // room after the longest bar for its label
            plot.getRangeAxis().setUpperMargin(0.45);
            LegendItemCollection legend = new LegendItemCollection();
            legend.add(new LegendItem("james-remote-forward", OURS));
            legend.add(new LegendItem("anchors (what ours are measured against)", ANCHOR));
            plot.setFixedLegendItems(legend);
            chart.addLegend(new LegendTitle(plot));
            ChartUtils.saveChartAsPNG(dir.resolve("benchmark-" + group.toLowerCase() + ".png").toFile(), chart, 1400, 140 + 54 * rows.size());
        }
    }

    /** Each bar's label: its median, then its ratio to each anchor its row is compared to ({@code 606/s · 0.23× James's ceiling}). */
    static String barLabel(Measurement row, Map<String, Measurement> byScenario) {
        StringBuilder label = new StringBuilder(String.format(Locale.ROOT, "%.0f/s", row.median()));
        for (String anchorScenario : row.role().comparedTo()) {
            Measurement anchor = byScenario.get(anchorScenario);
            if (anchor != null && anchor.median() > 0) {
                label.append(String.format(Locale.ROOT, " · %.2f× %s", row.median() / anchor.median(),
                    anchor.role().anchorName().orElse(anchor.scenario())));
            }
        }
        return label.toString();
    }

    private static final class BarLabels implements CategoryItemLabelGenerator {
        private final List<Measurement> rows;
        private final Map<String, Measurement> byScenario;

        BarLabels(List<Measurement> rows, Map<String, Measurement> byScenario) {
            this.rows = rows;
            this.byScenario = byScenario;
        }

        @Override
        public String generateRowLabel(CategoryDataset dataset, int row) {
            return dataset.getRowKey(row).toString();
        }

        @Override
        public String generateColumnLabel(CategoryDataset dataset, int column) {
            return dataset.getColumnKey(column).toString();
        }

        @Override
        public String generateLabel(CategoryDataset dataset, int row, int column) {
            return barLabel(rows.get(column), byScenario);
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
