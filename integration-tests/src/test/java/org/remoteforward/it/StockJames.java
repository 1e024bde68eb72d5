package org.remoteforward.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * James 3.8.1's memory server laid out as its distribution ships it, as an operator installs it:
 * the distribution archive from Maven Central unpacked (app jar, James's sample {@code conf/},
 * {@code extensions-jars/}), the jars the app jar's manifest lists in
 * {@code james-server-memory-app.lib/}, and our jar, alone, in {@code extensions-jars/}, where
 * James's own class loader finds it (nothing of ours is on James's class path). Started as its own
 * JVM with the distribution's command line.
 */
final class StockJames implements AutoCloseable {
    static final String APP = "james-server-memory-app";

    private final Process process;
    private final Path home;

    private StockJames(Process process, Path home) {
        this.process = process;
        this.home = home;
    }

    /** Unpacks the distribution into {@code dir} and fills its lib folder and extensions-jars; returns James's home. */
    static Path assemble(Path dir) throws IOException {
        Path distribution = Path.of(System.getProperty("james.distribution", "../stock-james/target"));
        Path zip = distribution.resolve(APP + ".zip");
        Path lib = distribution.resolve(APP + ".lib");
        if (!Files.isRegularFile(zip) || !Files.isDirectory(lib)) {
            throw new IllegalStateException(distribution.toAbsolutePath() + " lacks James's distribution: the stock-james module lays it out"
                + " (run the tests from the project's root, or mvn -am)");
        }
        unzip(zip, dir);
        Path home = dir.resolve(APP);
        Map<String, Path> resolved = new HashMap<>();
        try (Stream<Path> jars = Files.list(lib)) {
            jars.forEach(jar -> resolved.put(jar.getFileName().toString(), jar));
        }
        List<String> missing = new ArrayList<>();
        try (JarFile jar = new JarFile(home.resolve(APP + ".jar").toFile())) {
            for (String entry : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                Path target = home.resolve(entry);
                Optional<Path> found = jarNamed(resolved, target.getFileName().toString());
                if (found.isEmpty()) {
                    missing.add(entry);
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.createSymbolicLink(target, found.get().toAbsolutePath());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("jars the James app jar lists that Maven did not resolve for it: " + missing);
        }
        ourJar(home.resolve("extensions-jars/james-remote-forward-mailet.jar"));
        return home;
    }

    /**
     * The jar of that name, or else the same artifact in the version Maven resolved (a name that
     * differs only in its version: {@code asm-9.1.jar} for {@code asm-9.2.jar}).
     */
    private static Optional<Path> jarNamed(Map<String, Path> resolved, String name) {
        if (resolved.containsKey(name)) {
            return Optional.of(resolved.get(name));
        }
        String artifact = name.replaceFirst("-\\d[^/]*\\.jar$", "");
        return resolved.entrySet().stream()
            .filter(jar -> jar.getKey().startsWith(artifact + "-") && jar.getKey().substring(artifact.length() + 1).matches("\\d.*\\.jar"))
            .map(Map.Entry::getValue).findFirst();
    }

    /** Our jar as the build makes it: the mailet module's classes (a jar when installed, a folder within a reactor build). */
    private static void ourJar(Path target) throws IOException {
        Path classes = Path.of(org.remoteforward.mailet.RemoteForwardMailet.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Files.createDirectories(target.getParent());
        if (Files.isRegularFile(classes)) {
            Files.copy(classes, target);
            return;
        }
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                jar.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, jar);
                jar.closeEntry();
            }
        }
    }

    private static void unzip(Path zip, Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
            for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
                Path target = dir.resolve(entry.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("archive entry outside the folder: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target);
                }
            }
        }
    }

    /** Replaces {@code from} by {@code to} in a file of James's conf/, which must hold it: an operator's edit. */
    static void edit(Path home, String file, String from, String to) throws IOException {
        Path path = home.resolve("conf").resolve(file);
        String text = Files.readString(path);
        if (!text.contains(from)) {
            throw new IllegalStateException("conf/" + file + " has no '" + from + "' to edit");
        }
        Files.writeString(path, text.replace(from, to));
    }

    /** Starts James as the distribution's README says, in {@code home}; returns once {@code ports} all listen. */
    static StockJames start(Path home, int... ports) throws Exception {
        Path log = home.resolve("james.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dworking.directory=.", "-Dlogback.configurationFile=conf/logback.xml", "-Djdk.tls.ephemeralDHKeySize=2048",
            "-jar", APP + ".jar")
            .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        StockJames james = new StockJames(process, home);
        try {
            for (int port : ports) {
                Daemons.awaitPort(port, process, log, TimeUnit.MINUTES.toSeconds(2));
            }
        } catch (Exception e) {
            james.close();
            throw e;
        }
        return james;
    }

    String log() throws IOException {
        return Files.readString(home.resolve("james.log"));
    }

    @Override
    public void close() throws Exception {
        Daemons.stop(process);
    }
}
