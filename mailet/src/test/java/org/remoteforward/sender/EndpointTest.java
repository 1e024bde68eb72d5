package org.remoteforward.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class EndpointTest {
    @Test
    void parsesEachScheme() {
        assertThat(Endpoint.parse("tcp://mx.example.com:25")).isEqualTo(new Endpoint(Endpoint.Scheme.TCP, "mx.example.com", 25, null));
        assertThat(Endpoint.parse(" tls://127.0.0.1:465 ")).isEqualTo(new Endpoint(Endpoint.Scheme.TLS, "127.0.0.1", 465, null));
        assertThat(Endpoint.parse("tcp://[::1]:24")).isEqualTo(new Endpoint(Endpoint.Scheme.TCP, "::1", 24, null));
        assertThat(Endpoint.parse("unix:///run/dovecot/lmtp")).isEqualTo(new Endpoint(Endpoint.Scheme.UNIX, "", 0, Path.of("/run/dovecot/lmtp")));
        assertThat(Endpoint.parse("TCP://mx:25").toString()).isEqualTo("tcp://mx:25");
        assertThat(Endpoint.parse("tcp://[::1]:24").toString()).isEqualTo("tcp://[::1]:24");
    }

    @Test
    void aRelativeSocketIsTheOneParsingResolvesAgainstTheBase() {
        Path base = Path.of("/var/lib/james");
        for (String absolute : new String[] {"unix:///run/lmtp", "unix:/run/lmtp", " UNIX:///run/lmtp "}) {
            assertThat(Endpoint.isRelativeUnix(absolute)).as(absolute).isFalse();
            assertThat(Endpoint.parse(absolute, base).socketPath()).as(absolute).isEqualTo(Path.of("/run/lmtp"));
        }
        assertThat(Endpoint.isRelativeUnix("unix://run/lmtp")).isTrue();
        assertThat(Endpoint.parse("unix://run/lmtp", base).socketPath()).isEqualTo(Path.of("/var/lib/james/run/lmtp"));
        assertThat(Endpoint.isRelativeUnix("tcp://run:25")).isFalse();
    }

    @Test
    void refusesWhatIsNotAnEndpoint() {
        assertThatThrownBy(() -> Endpoint.parse("mx.example.com:25")).hasMessageContaining("'mx.example.com:25' has no supported scheme");
        assertThatThrownBy(() -> Endpoint.parse("smtp://mx:25")).hasMessageContaining("no supported scheme");
        assertThatThrownBy(() -> Endpoint.parse("tcp://mx")).hasMessageContaining("needs a port");
        assertThatThrownBy(() -> Endpoint.parse("tcp://mx:0")).hasMessageContaining("needs a port");
        assertThatThrownBy(() -> Endpoint.parse("tcp://mx:70000")).hasMessageContaining("port");
        assertThatThrownBy(() -> Endpoint.parse("tcp://:25")).hasMessageContaining("has no host");
        assertThatThrownBy(() -> Endpoint.parse("tcp://mx:25/path")).hasMessageContaining("must be only tcp://HOST:PORT");
        assertThatThrownBy(() -> Endpoint.parse("unix://relative/path")).hasMessageContaining("absolute socket path");
        assertThatThrownBy(() -> Endpoint.parse("tcp://bad host:25")).hasMessageContaining("not an endpoint URI");
    }
}
