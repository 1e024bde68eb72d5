package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class FoldedFieldsTest {
    private static String unfold(String folded) {
        return folded.replaceAll("\r\n(?=[ \t])", "");
    }

    @Test
    void aLongFieldIsFoldedAtSpacesNear78AndUnfoldsToItself() {
        String value = "smtp; 550 5.7.1 " + "word ".repeat(100).strip();

        String field = FoldedFields.field("Diagnostic-Code", value);

        assertThat(field).endsWith("\r\n");
        assertThat(unfold(field)).isEqualTo("Diagnostic-Code: " + value + "\r\n");
        assertThat(field.split("\r\n")).hasSizeGreaterThan(5)
            .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
    }

    @Test
    void aShortFieldIsLeftAsItIs() {
        assertThat(FoldedFields.field("Action", "failed")).isEqualTo("Action: failed\r\n");
    }

    @Test
    void aRunWithoutSpacesIsBrokenBeforeTheHardLimit() {
        String run = "x".repeat(5000);

        String field = FoldedFields.field("Diagnostic-Code", "smtp; " + run);

        assertThat(field.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));
        assertThat(unfold(field).replace(" ", "")).isEqualTo("Diagnostic-Code:smtp;" + run + "\r\n");
    }

    @Test
    void headerLinesOverTheHardLimitAreFoldedAndTheOthersKept() {
        String headers = "Subject: hi\r\nX-Long: " + "z".repeat(2000) + "\r\nTo: b@example.com";

        String fitted = FoldedFields.fitLines(headers);

        assertThat(Arrays.stream(fitted.split("\r\n"))).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));
        assertThat(fitted).startsWith("Subject: hi\r\nX-Long: ").endsWith("\r\nTo: b@example.com");
    }
}
