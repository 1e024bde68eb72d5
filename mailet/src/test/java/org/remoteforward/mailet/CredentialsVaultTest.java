package org.remoteforward.mailet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.Test;
import org.remoteforward.sender.Credentials;

import org.apache.james.server.core.MailImpl;

class CredentialsVaultTest {
    private static final Credentials ALICE = new Credentials("alice@example.com", "secret");

    private final MovingClock clock = new MovingClock();
    private final CredentialsVault vault = new CredentialsVault(clock);

    private static Mail mail(String... recipients) throws Exception {
        return MailImpl.builder().name("mail-" + System.nanoTime()).sender("alice@example.com").addRecipients(recipients).build();
    }

    private static List<MailAddress> addresses(String... recipients) throws Exception {
        List<MailAddress> addresses = new java.util.ArrayList<>();
        for (String recipient : recipients) {
            addresses.add(new MailAddress(recipient));
        }
        return addresses;
    }

    @Test
    void everyPartOfASplitMailKeepsTheCredentialsUntilTheLastIsDoneWith() throws Exception {
        Mail received = mail("one@example.com", "two@example.com");
        vault.depositFor(received, ALICE);
        // James splits a mail by duplicating it: both parts carry the token
        Mail first = received.duplicate();
        first.setRecipients(addresses("one@example.com"));
        Mail second = received.duplicate();
        second.setRecipients(addresses("two@example.com"));

        vault.doneWith(first, first.getRecipients());

        assertThat(vault.credentialsFor(second)).contains(ALICE);
        vault.doneWith(second, second.getRecipients());
        assertThat(vault.credentialsFor(second)).isEmpty();
        assertThat(vault.size()).isZero();
    }

    @Test
    void aMissSaysWhetherThisJamesLetTheCredentialsGoOrAnotherHoldsThem() throws Exception {
        vault.retainFor(Duration.ofMinutes(30));
        Mail received = mail("one@example.com");
        vault.depositFor(received, ALICE);
        clock.advance(Duration.ofMinutes(31));

        assertThat(vault.credentialsFor(received)).isEmpty();
        assertThat(vault.whyMissing(received)).contains("kept in this James's memory and are gone")
            .contains("(30m, credentialsRetention)");

        Mail elsewhere = mail("one@example.com");
        String token = (String) received.getAttribute(CredentialsVault.TOKEN).orElseThrow().getValue().getValue();
        elsewhere.setAttribute(new org.apache.mailet.Attribute(CredentialsVault.TOKEN,
            org.apache.mailet.AttributeValue.of(token.substring(0, token.indexOf('.')) + ".1@node-b")));
        assertThat(vault.whyMissing(elsewhere)).contains("in the memory of the James that received it (1@node-b)");
    }

    @Test
    void aBounceSentWithTheCredentialsKeepsThemUntilItIsDoneWith() throws Exception {
        Mail received = mail("gone@example.com");
        vault.depositFor(received, ALICE);
        Mail bounce = MailImpl.builder().name("bounce").addRecipient("alice@example.com").build();

        vault.extendTo(received, bounce);
        vault.doneWith(received, received.getRecipients());

        assertThat(vault.credentialsFor(bounce)).contains(ALICE);
        vault.doneWith(bounce, bounce.getRecipients());
        assertThat(vault.size()).isZero();
    }

    @Test
    void credentialsNobodyIsDoneWithGoWhenTheRetentionIsOver() throws Exception {
        vault.retainFor(Duration.ofMinutes(30));
        vault.retainFor(Duration.ofMinutes(10));
        Mail droppedLocally = mail("someone@example.com");
        vault.depositFor(droppedLocally, ALICE);

        clock.advance(Duration.ofMinutes(29));
        assertThat(vault.credentialsFor(droppedLocally)).as("the longest retention asked for holds").contains(ALICE);
        clock.advance(Duration.ofMinutes(2));
        vault.forgetExpired();
        assertThat(vault.size()).isZero();
        assertThat(vault.hadCredentialsFor(droppedLocally)).isTrue();
    }

    @Test
    void untilAUserSaysHowLongItNeedsThemCredentialsAreKeptAnHour() throws Exception {
        Mail mail = mail("someone@example.com");
        vault.depositFor(mail, ALICE);

        clock.advance(Duration.ofMinutes(61));

        assertThat(vault.credentialsFor(mail)).isEmpty();
    }

    @Test
    void noMoreThanTheCapAreHeldTheOldestGoFirst() throws Exception {
        Mail oldest = mail("a@example.com");
        vault.depositFor(oldest, ALICE);
        for (int i = 1; i < CredentialsVault.MAX_HELD; i++) {
            vault.depositFor(mail("b@example.com"), ALICE);
        }
        assertThat(vault.size()).isEqualTo(CredentialsVault.MAX_HELD);

        Mail newest = mail("c@example.com");
        vault.depositFor(newest, ALICE);

        assertThat(vault.size()).isEqualTo(CredentialsVault.MAX_HELD);
        assertThat(vault.credentialsFor(oldest)).isEmpty();
        assertThat(vault.credentialsFor(newest)).contains(ALICE);
    }

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        private Instant now = Instant.parse("2026-11-30T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
