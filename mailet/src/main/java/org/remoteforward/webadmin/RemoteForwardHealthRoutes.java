package org.remoteforward.webadmin;

import javax.inject.Inject;

import org.apache.james.core.healthcheck.Result;
import org.apache.james.webadmin.Routes;
import org.remoteforward.mailet.ForwardingHealth;
import org.remoteforward.mailet.RemoteForwardHealthCheck;

import spark.Service;

/**
 * The forwarding's health check over WebAdmin, at {@value #BASE_PATH}: 200 with the status
 * {@code healthy} or {@code degraded}, 503 with {@code unhealthy}, and the cause, in the form of
 * James's own {@code /healthcheck/checks/{component}}. James 3.8.1 gives an extension jar no way into
 * {@code /healthcheck} itself (the Guice modules of {@code extensions.properties} go into a child
 * injector, whose health checks James's route never sees), but loads WebAdmin routes from it, named
 * in {@code webadmin.properties}:
 * <pre>
 * extensions.routes=org.remoteforward.webadmin.RemoteForwardHealthRoutes
 * </pre>
 */
public class RemoteForwardHealthRoutes implements Routes {
    public static final String BASE_PATH = "/remote-forward/health";

    private final RemoteForwardHealthCheck check;

    @Inject
    public RemoteForwardHealthRoutes(ForwardingHealth health) {
        this.check = new RemoteForwardHealthCheck(health);
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(BASE_PATH, (request, response) -> {
            Result result = check.result();
            response.status(result.isUnHealthy() ? 503 : 200);
            response.type("application/json");
            return json(result);
        });
    }

    static String json(Result result) {
        String name = result.getComponentName().getName();
        return "{\"componentName\":" + quoted(name) + ",\"escapedComponentName\":" + quoted(name)
            + ",\"status\":" + quoted(result.getStatus().getValue())
            + ",\"cause\":" + result.getCause().map(RemoteForwardHealthRoutes::quoted).orElse("null") + "}";
    }

    private static String quoted(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
