package org.remoteforward.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads durations as operators write them: maddy's Go form ({@code 5m}, {@code 90s},
 * {@code 1h30m}, {@code 250ms}) and James's ({@code 5 minutes}, {@code 1 hour}). A bare number
 * is refused: RemoteDelivery's timeouts are milliseconds and maddy's are not, so guessing the
 * unit would silently be off by a factor of a thousand for someone.
 */
public final class DurationValue {
    private static final Pattern GO_FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Pattern JAMES_FORM = Pattern.compile("(\\d+)\\s*([a-z]+)");
    private static final Map<String, Duration> JAMES_UNITS = Map.ofEntries(
        Map.entry("ms", Duration.ofMillis(1)), Map.entry("msec", Duration.ofMillis(1)),
        Map.entry("millisecond", Duration.ofMillis(1)), Map.entry("milliseconds", Duration.ofMillis(1)),
        Map.entry("s", Duration.ofSeconds(1)), Map.entry("sec", Duration.ofSeconds(1)),
        Map.entry("second", Duration.ofSeconds(1)), Map.entry("seconds", Duration.ofSeconds(1)),
        Map.entry("m", Duration.ofMinutes(1)), Map.entry("min", Duration.ofMinutes(1)),
        Map.entry("minute", Duration.ofMinutes(1)), Map.entry("minutes", Duration.ofMinutes(1)),
        Map.entry("h", Duration.ofHours(1)), Map.entry("hour", Duration.ofHours(1)), Map.entry("hours", Duration.ofHours(1)),
        Map.entry("d", Duration.ofDays(1)), Map.entry("day", Duration.ofDays(1)), Map.entry("days", Duration.ofDays(1)));

    private DurationValue() {
    }

    /**
     * @throws IllegalArgumentException saying what form is expected
     */
    public static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        Duration total = goForm(value);
        if (total == null) {
            total = jamesForm(value);
        }
        if (total == null) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: write e.g. 90s, 5m, 1h30m or '5 minutes'");
        }
        if (total.isZero()) {
            throw new IllegalArgumentException("'" + text + "' must be longer than zero");
        }
        return total;
    }

    private static Duration goForm(String value) {
        Matcher matcher = GO_FORM.matcher(value);
        Duration total = Duration.ZERO;
        int position = 0;
        while (matcher.find() && matcher.start() == position) {
            double amount = Double.parseDouble(matcher.group(1));
            long millis = switch (matcher.group(2)) {
                case "ms" -> Math.round(amount);
                case "s" -> Math.round(amount * 1000);
                case "m" -> Math.round(amount * 60_000);
                default -> Math.round(amount * 3_600_000);
            };
            total = total.plusMillis(millis);
            position = matcher.end();
        }
        return position == value.length() && position > 0 ? total : null;
    }

    private static Duration jamesForm(String value) {
        Matcher matcher = JAMES_FORM.matcher(value);
        if (!matcher.matches()) {
            return null;
        }
        Duration unit = JAMES_UNITS.get(matcher.group(2));
        return unit == null ? null : unit.multipliedBy(Long.parseLong(matcher.group(1)));
    }
}
