package org.remoteforward.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.remoteforward.sender.DeliveryResult;
import org.remoteforward.sender.DownstreamSender;
import org.remoteforward.sender.Envelope;
import org.remoteforward.sender.InvalidTlsSettingException;
import org.remoteforward.sender.SenderSettings;

/**
 * Starts fake servers and senders for a test and stops them all after it, newest first, so
 * each test stops exactly what it started. Register with {@code @RegisterExtension}.
 */
public final class Started implements AfterEachCallback {
    private final Deque<AutoCloseable> running = new ArrayDeque<>();

    public ScriptedServer tcp(ScriptedServer.Script script) throws IOException {
        return keep(ScriptedServer.tcp(script));
    }

    /** Connection i follows script i; the last script serves every later connection. */
    public ScriptedServer tcp(List<ScriptedServer.Script> scripts) throws IOException {
        return keep(ScriptedServer.tcp(scripts));
    }

    public ScriptedServer tcp(ScriptedServer.Script script, ScriptedServer.TlsOptions tls) throws IOException {
        return keep(ScriptedServer.tcp(script, tls));
    }

    public ScriptedServer implicitTls(ScriptedServer.Script script, ScriptedServer.TlsOptions tls) throws IOException {
        return keep(ScriptedServer.implicitTls(script, tls));
    }

    public ScriptedServer unix(ScriptedServer.Script script, Path socket) throws IOException {
        return keep(ScriptedServer.unix(script, socket));
    }

    public DownstreamSender sender(SenderSettings settings) throws InvalidTlsSettingException {
        return keep(DownstreamSender.create(settings));
    }

    public DownstreamSender sender(SettingsBuilder settings) throws InvalidTlsSettingException {
        return sender(settings.build());
    }

    /**
     * Delivers {@link Messages#SIMPLE} to {@code envelope} with a sender of its own, closed (QUIT
     * included) before this returns, so the server's conversation is over.
     */
    public DeliveryResult deliverOnce(SettingsBuilder settings, Envelope envelope) throws InvalidTlsSettingException {
        DownstreamSender sender = sender(settings);
        try {
            return sender.deliver(envelope, Messages.of(Messages.SIMPLE));
        } finally {
            sender.close();
        }
    }

    /** Anything else the test starts, to be closed after it with the rest. */
    public <T extends AutoCloseable> T keep(T started) {
        running.push(started);
        return started;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
