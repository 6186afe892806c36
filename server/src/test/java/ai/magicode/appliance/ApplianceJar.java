package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built jar run as a separate process, as operators run it, for the ITs that test it from outside. */
final class ApplianceJar {
    /** How long a process gets to become ready, or to finish a command. */
    static final Duration DEADLINE = Duration.ofSeconds(90);

    private static final Pattern READY = Pattern.compile("ready on port (\\d+)");

    private ApplianceJar() {}

    /** A started process and its collected output. */
    record Running(Process process, ProcessOutput output) {
        /** Waits for the ready line and returns the port it names. */
        int port() throws InterruptedException {
            Matcher matcher =
                    READY.matcher(output.awaitLine(line -> READY.matcher(line).find(), DEADLINE));
            assertTrue(matcher.find());
            return Integer.parseInt(matcher.group(1));
        }

        /** Waits for the process to end and for all of its output. */
        Finished finish() throws InterruptedException {
            assertTrue(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "command did not finish in time");
            return new Finished(process.exitValue(), output.awaitEnd(DEADLINE));
        }
    }

    /** An ended process: its exit code and its output (standard error merged in). */
    record Finished(int exitCode, String output) {}

    /**
     * Starts {@code java -jar magicode-server.jar ARGS} with the running JDK, the caller's {@code MAGICODE_…}
     * variables removed and {@code env} set.
     */
    static Running start(Map<String, String> env, String... args) throws IOException {
        String jar = System.getProperty("magicode.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "built jar not found: " + jar);
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "-jar", jar));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        new HashMap<>(environment)
                .keySet().stream().filter(k -> k.startsWith("MAGICODE_")).forEach(environment::remove);
        environment.putAll(env);
        Process process = builder.start();
        return new Running(process, new ProcessOutput(process));
    }
}
