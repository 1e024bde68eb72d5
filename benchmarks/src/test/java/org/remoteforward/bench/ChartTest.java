package org.remoteforward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bar charts name each bar's ratio to its anchors, and tell our rows from the anchors by colour. */
class ChartTest {
    private static final String CEILING = "James 3.8.1, a mailet that only counts (James's own ceiling)";
    private static final String REMOTE_DELIVERY = "James 3.8.1 + RemoteDelivery (gateway)";

    private static Measurement row(String scenario, double rate, Role role) {
        return new Measurement("P2", scenario, List.of(rate, rate, rate), "", role);
    }

    private static final List<Measurement> P2 = List.of(
        row("James 3.8.1 + RemoteForwardMailet", 606, Role.ours(CEILING, REMOTE_DELIVERY)),
        row(CEILING, 2582, Role.anchor("James's ceiling")),
        row(REMOTE_DELIVERY, 677, Role.anchor("RemoteDelivery", CEILING)));

    @Test
    void eachBarSaysItsRateAndItsRatioToEachAnchorItNames() {
        Map<String, Measurement> byScenario = P2.stream().collect(Collectors.toMap(Measurement::scenario, m -> m));

        assertThat(Chart.barLabel(P2.get(0), byScenario)).isEqualTo("606/s · 0.23× James's ceiling · 0.90× RemoteDelivery");
        assertThat(Chart.barLabel(P2.get(1), byScenario)).isEqualTo("2582/s");
        assertThat(Chart.barLabel(P2.get(2), byScenario)).isEqualTo("677/s · 0.26× James's ceiling");
    }

    @Test
    void anAnchorMissingFromTheRunIsLeftOutOfTheLabel() {
        Measurement alone = row("James 3.8.1 + RemoteForwardMailet, RabbitMQ queue", 204, Role.ours("a ceiling not measured"));

        assertThat(Chart.barLabel(alone, Map.of(alone.scenario(), alone))).isEqualTo("204/s");
    }

    @Test
    void oursAndTheAnchorsAreDrawnInTwoColours(@TempDir Path dir) throws Exception {
        Chart.bars(P2, dir, "test");

        BufferedImage image = ImageIO.read(dir.resolve("benchmark-p2.png").toFile());
        assertThat(image.getWidth()).isGreaterThanOrEqualTo(1400);
        assertThat(count(image, 0x3b6ea5)).as("pixels of our colour").isGreaterThan(1000);
        assertThat(count(image, 0x9a9a9a)).as("pixels of the anchors' colour").isGreaterThan(1000);
        assertThat(Files.size(dir.resolve("benchmark-p2.png"))).isPositive();
    }

    private static long count(BufferedImage image, int rgb) {
        long count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    count++;
                }
            }
        }
        return count;
    }
}
