package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.TestRequirements;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check sandbox with real podman (runc, as DESIGN.md says) and a one-file image built here from Debian's static
 * busybox: nothing is pulled from a registry.
 */
class SandboxTest {
    static final List<String> PODMAN = List.of("podman", "--runtime", "runc");
    /** Unique per run: two builds on one machine must not remove each other's image. */
    private static final String IMAGE =
            "localhost/magicode-sandbox-test:busybox-" + ProcessHandle.current().pid();

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private static Sandbox sandbox;

    @TempDir
    Path work;

    @BeforeAll
    static void buildImage(@TempDir Path dir) throws IOException, InterruptedException {
        importImage(dir, IMAGE);
        sandbox = new Sandbox(PODMAN, IMAGE);
    }

    @AfterAll
    static void removeImage() throws IOException, InterruptedException {
        if (sandbox != null) {
            removeImage(IMAGE);
        }
    }

    /**
     * Imports {@code image}: Debian's static busybox as {@code /bin/sh}, nothing else (skips the test, or fails it under
     * CI, without podman or busybox).
     */
    static void importImage(Path dir, String image) throws IOException, InterruptedException {
        boolean podman = run(List.of("podman", "--version")).startsWith("0:");
        TestRequirements.require("podman", podman, "no podman on this machine (.ci/run installs it)");
        TestRequirements.require(
                "podman", Files.isExecutable(BUSYBOX), "no " + BUSYBOX + " for the test image (.ci/run installs it)");
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.createDirectories(rootfs.resolve("workspace"));
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Path tar = dir.resolve("image.tar");
        assertEquals(
                "0:",
                run(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), "."))
                        .substring(0, 2));
        List<String> importArgs = new ArrayList<>(PODMAN);
        importArgs.addAll(List.of("import", "-q", tar.toString(), image));
        String imported = run(importArgs);
        assertTrue(imported.startsWith("0:"), imported);
    }

    static void removeImage(String image) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(PODMAN);
        args.addAll(List.of("rmi", "-f", image));
        run(args);
    }

    /** Runs a command to its end; answers "status:output". */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "-1:" + e.getMessage();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "-1:timed out";
        }
        return process.exitValue() + ":" + output;
    }

    @Test
    void runsTheCommandInTheWorkTreeAndReportsItsStatusAndOutput() throws IOException {
        Files.writeString(work.resolve("f.txt"), "hi\n");

        Sandbox.Outcome outcome =
                sandbox.run(work, "test \"$(cat f.txt)\" = hi && echo checked && exit 3", Duration.ofSeconds(60));

        assertEquals(3, outcome.exitCode(), outcome.output());
        assertFalse(outcome.timedOut());
        assertFalse(outcome.passed());
        assertTrue(outcome.output().contains("checked"), outcome.output());
        assertTrue(sandbox.run(work, "true", Duration.ofSeconds(60)).passed());
    }

    @Test
    void writesInsideAreDiscardedAndTheRootIsReadOnly() throws IOException {
        Files.writeString(work.resolve("f.txt"), "original\n");

        Sandbox.Outcome outcome = sandbox.run(
                work,
                "echo changed > f.txt && echo new > build.out && cat f.txt && echo x > /tmp/ok"
                        + " && if echo x > /etc/y; then exit 9; fi",
                Duration.ofSeconds(60));

        assertEquals(0, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("changed"), "the command saw its own write");
        assertEquals("original\n", Files.readString(work.resolve("f.txt")));
        assertFalse(Files.exists(work.resolve("build.out")));
    }

    @Test
    void hasNoNetwork() {
        // With --network=none there is only the loopback interface and no route at all.
        Sandbox.Outcome outcome = sandbox.run(
                work,
                "cat /proc/net/dev; test $(grep -c : /proc/net/dev) -eq 1 && test $(wc -l < /proc/net/route) -le 1",
                Duration.ofSeconds(60));

        assertEquals(0, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("lo:"), outcome.output());
    }

    @Test
    void aCommandOverItsTimeIsKilled() throws IOException, InterruptedException {
        Sandbox.Outcome outcome = sandbox.run(work, "echo started; sleep 600", Duration.ofSeconds(3));

        assertTrue(outcome.timedOut());
        assertFalse(outcome.passed());
        assertTrue(outcome.output().contains("started"), outcome.output());
        List<String> ps = new ArrayList<>(PODMAN);
        ps.addAll(List.of("ps", "-a", "-q", "--filter", "name=magicode-check-"));
        // podman finishes removing a killed container after its run process exits: wait for it, with a deadline.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String left = run(ps).strip();
        while (!left.equals("0:") && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(
                    Duration.ofMillis(200).toNanos());
            left = run(ps).strip();
        }
        assertEquals("0:", left, "the container is gone");
    }

    @Test
    void refusesWhatItCannotRun() {
        assertThrows(AgentException.class, () -> sandbox.run(work, " ", Duration.ofSeconds(5)));
        assertThrows(AgentException.class, () -> sandbox.run(work.resolve("missing"), "true", Duration.ofSeconds(5)));
        assertThrows(AgentException.class, () -> sandbox.run(work, "true", Duration.ZERO));
        AgentException noImage = assertThrows(
                AgentException.class,
                () -> new Sandbox(PODMAN, "localhost/magicode-no-such-image:0")
                        .run(work, "true", Duration.ofSeconds(60)));
        assertTrue(noImage.getMessage().startsWith("podman could not run"), noImage.getMessage());
    }
}
