package org.remoteforward.sender;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a server advertised in its EHLO/LHLO reply. A server greeted with HELO advertises nothing.
 *
 * @param keywords the extension keywords, upper case
 * @param authMechanisms the SASL mechanisms after AUTH (or the old AUTH= form), upper case
 * @param maxSize the SIZE limit when one was given and is not zero
 * @param xforwardAttributes the attributes after XFORWARD (Postfix offers it to clients it trusts with them), upper case
 */
public record Capabilities(Set<String> keywords, Set<String> authMechanisms, OptionalLong maxSize, Set<String> xforwardAttributes) {

    public static final Capabilities NONE = new Capabilities(Set.of(), Set.of(), OptionalLong.empty(), Set.of());

    public Capabilities {
        keywords = Set.copyOf(keywords);
        authMechanisms = Set.copyOf(authMechanisms);
        xforwardAttributes = Set.copyOf(xforwardAttributes);
    }

    /** Reads an EHLO/LHLO reply: every line after the first is a keyword with optional parameters. */
    static Capabilities fromHelloReply(Reply reply) {
        Set<String> keywords = new TreeSet<>();
        Set<String> mechanisms = new TreeSet<>();
        Set<String> xforward = new TreeSet<>();
        OptionalLong size = OptionalLong.empty();
        for (String line : reply.lines().subList(1, reply.lines().size())) {
            String[] words = line.trim().split("[\\s=]+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            String keyword = words[0].toUpperCase(Locale.ROOT);
            keywords.add(keyword);
            if (keyword.equals("AUTH") || keyword.equals("XFORWARD")) {
                for (int i = 1; i < words.length; i++) {
                    (keyword.equals("AUTH") ? mechanisms : xforward).add(words[i].toUpperCase(Locale.ROOT));
                }
            } else if (keyword.equals("SIZE") && words.length > 1) {
                try {
                    long limit = Long.parseLong(words[1]);
                    if (limit > 0) {
                        size = OptionalLong.of(limit);
                    }
                } catch (NumberFormatException ignored) {
                    // a malformed limit is no limit we can honour; the server still decides at DATA
                }
            }
        }
        return new Capabilities(keywords, mechanisms, size, xforward);
    }

    public boolean has(String keyword) {
        return keywords.contains(keyword);
    }

    public boolean supportsAuth(String mechanism) {
        return authMechanisms.contains(mechanism);
    }
}
