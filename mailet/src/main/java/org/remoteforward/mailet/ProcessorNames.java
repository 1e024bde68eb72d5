package org.remoteforward.mailet;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.inject.Inject;

import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.tree.ImmutableNode;
import org.apache.james.server.core.configuration.ConfigurationProvider;
import org.remoteforward.config.InvalidConfigurationException;

/**
 * The processors James's mailetcontainer.xml defines, so that a parameter naming one that does not
 * exist stops start-up with a clear error. James itself takes a mail sent to an unknown processor
 * without a word and loses it at processing time.
 */
public final class ProcessorNames {
    /** Empty when James's configuration names no processors (James then runs its default ones, unknown here). */
    private final Optional<Set<String>> names;

    private ProcessorNames(Optional<Set<String>> names) {
        this.names = names;
    }

    @Inject
    public ProcessorNames(ConfigurationProvider configuration) throws ConfigurationException {
        this(read(configuration));
    }

    /** Exactly these processors exist. */
    public static ProcessorNames of(String... names) {
        return new ProcessorNames(Optional.of(new LinkedHashSet<>(List.of(names))));
    }

    private static Optional<Set<String>> read(ConfigurationProvider configuration) throws ConfigurationException {
        HierarchicalConfiguration<ImmutableNode> container = configuration.getConfiguration("mailetcontainer");
        List<HierarchicalConfiguration<ImmutableNode>> processors = container.configurationsAt("processors.processor");
        if (processors.isEmpty()) {
            return Optional.empty();
        }
        Set<String> states = new LinkedHashSet<>();
        processors.forEach(processor -> states.add(processor.getString("[@state]")));
        return Optional.of(states);
    }

    /**
     * @param parameter the parameter that names it, for the message
     * @throws InvalidConfigurationException naming the parameter, when no such processor exists
     */
    public void require(String parameter, String processor) throws InvalidConfigurationException {
        if (names.isPresent() && !names.get().contains(processor)) {
            throw new InvalidConfigurationException(parameter, "no processor named '" + processor + "' in mailetcontainer.xml"
                + " (its processors: " + String.join(", ", names.get()) + "); mail sent there would be lost");
        }
    }

    /** As {@link #require}, for a parameter that may be left out. */
    public void require(String parameter, Optional<String> processor) throws InvalidConfigurationException {
        if (processor.isPresent()) {
            require(parameter, processor.get());
        }
    }
}
