package ai.magicode.appliance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects a process's output lines and lets a test wait for one, or for the end, with a deadline. */
final class ProcessOutput {
    private final List<String> lines = new ArrayList<>();
    private boolean closed;

    ProcessOutput(Process process) {
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    add(line);
                }
            } catch (IOException e) {
                // the process went away
            } finally {
                close();
            }
        });
    }

    private synchronized void add(String line) {
        lines.add(line);
        notifyAll();
    }

    private synchronized void close() {
        closed = true;
        notifyAll();
    }

    synchronized String awaitLine(java.util.function.Predicate<String> wanted, Duration deadline)
            throws InterruptedException {
        Instant end = Instant.now().plus(deadline);
        while (true) {
            Optional<String> found = lines.stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            long left = Duration.between(Instant.now(), end).toMillis();
            if (closed || left <= 0) {
                throw new AssertionError("no such line " + (closed ? "before the process ended" : "in time") + ":\n"
                        + String.join("\n", lines));
            }
            wait(left);
        }
    }

    synchronized String awaitEnd(Duration deadline) throws InterruptedException {
        Instant end = Instant.now().plus(deadline);
        while (!closed) {
            long left = Duration.between(Instant.now(), end).toMillis();
            if (left <= 0) {
                throw new AssertionError("output did not end in time:\n" + String.join("\n", lines));
            }
            wait(left);
        }
        return String.join("\n", lines);
    }
}
