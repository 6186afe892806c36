package ai.magicode.appliance.agent;

import static java.lang.System.Logger.Level.WARNING;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a repository's check command ({@code check.command} of {@code .magicode.yml}) in a throw-away podman container:
 * no network, a read-only root file system with a small {@code /tmp}, no capabilities, bounded processes, memory and
 * open files, and only the job's work tree mounted, as an overlay whose writes (build output) are discarded when the
 * container ends. The command runs with {@code /bin/sh -c} in the work tree, under a timeout after which the container
 * is killed. The Kubernetes path (a Job per check) is designed in {@code docs/agent-config.md}.
 */
public final class Sandbox {
    private static final System.Logger LOG = System.getLogger(Sandbox.class.getName());

    /** The most output kept (its end: a failing build says why last). */
    static final int MAX_OUTPUT = 64 * 1024;

    private static final Duration KILL_GRACE = Duration.ofSeconds(30);

    private final List<String> podman;
    private final String image;
    private final SecureRandom random = new SecureRandom();

    /**
     * A sandbox running containers of {@code image} (which must have {@code /bin/sh} and the repository's tool chain)
     * with {@code podman} (the command and its global options, e.g. {@code podman --runtime runc}).
     */
    public Sandbox(List<String> podman, String image) {
        if (podman.isEmpty() || image == null || image.isBlank() || image.startsWith("-")) {
            throw new AgentException("The sandbox needs a podman command and an image name");
        }
        this.podman = List.copyOf(podman);
        this.image = image;
    }

    /**
     * How a check ended.
     *
     * @param exitCode the command's exit status (meaningless when timed out)
     * @param timedOut whether the timeout stopped it
     * @param output the end of its standard output and error, at most {@link #MAX_OUTPUT} bytes
     */
    public record Outcome(int exitCode, boolean timedOut, String output) {
        /** Whether the check passed: it ended in time with status 0. */
        public boolean passed() {
            return !timedOut && exitCode == 0;
        }
    }

    /**
     * Runs {@code command} in a container with {@code workTree} mounted (copy-on-write) as its working directory.
     *
     * @throws AgentException when the work tree cannot be mounted or podman cannot start the container
     */
    public Outcome run(Path workTree, String command, Duration timeout) {
        if (command == null || command.isBlank()) {
            throw new AgentException("The check command is empty");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new AgentException("The check timeout must be positive");
        }
        Path dir;
        try {
            dir = workTree.toRealPath();
        } catch (IOException e) {
            throw new AgentException("The work tree " + workTree + " cannot be found: " + e.getMessage(), e);
        }
        if (!Files.isDirectory(dir)
                || dir.toString().contains(":")
                || dir.toString().contains(",")) {
            throw new AgentException("The work tree " + dir + " is not a directory podman can mount");
        }
        String name = "magicode-check-" + HexFormat.of().formatHex(next());
        List<String> args = new ArrayList<>(podman);
        args.addAll(List.of(
                "run",
                "--rm",
                "--pull=never", // the image is installed with the appliance; nothing downloads at run time
                "--name",
                name,
                "--network=none",
                "--read-only",
                "--tmpfs",
                "/tmp:rw,size=512m,mode=1777",
                "--cap-drop=ALL",
                "--security-opt",
                "no-new-privileges",
                "--pids-limit",
                "4096",
                "--memory",
                "4g",
                // DESIGN.md: the default ulimits fail under podman here; these are the ones that work.
                "--ulimit",
                "nofile=20000:20000",
                "--ulimit",
                "nproc=32768:32768",
                "-v",
                dir + ":/workspace:O",
                "-w",
                "/workspace",
                "--entrypoint",
                "/bin/sh",
                image,
                "-c",
                command));
        Process process;
        try {
            process = new ProcessBuilder(args).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AgentException("Cannot start podman: " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close(); // the command reads no input
        } catch (IOException e) {
            // cannot happen for a fresh pipe; at worst a command reading input waits until the timeout
        }
        Tail tail = new Tail(process.getInputStream());
        Thread reader = Thread.ofVirtual().start(tail);
        try {
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                kill(name);
                if (!process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
                reader.join(KILL_GRACE.toMillis());
                return new Outcome(-1, true, tail.text());
            }
            reader.join(KILL_GRACE.toMillis());
        } catch (InterruptedException e) {
            kill(name);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AgentException("Interrupted while the check ran", e);
        }
        int status = process.exitValue();
        if (status == 125) {
            // podman's own failure (no such image, bad option): not the repository's check failing.
            throw new AgentException("podman could not run the check container: " + lastLine(tail.text()));
        }
        return new Outcome(status, false, tail.text());
    }

    private byte[] next() {
        byte[] bytes = new byte[6];
        random.nextBytes(bytes);
        return bytes;
    }

    private void kill(String name) {
        List<String> args = new ArrayList<>(podman);
        args.addAll(List.of("rm", "-f", "-t", "0", name));
        try {
            Process killer = new ProcessBuilder(args)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!killer.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                killer.destroyForcibly();
            }
        } catch (IOException e) {
            LOG.log(WARNING, "Cannot remove the check container " + name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String lastLine(String text) {
        String trimmed = text.strip();
        return trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }

    /** Reads a stream to its end, keeping only its last {@link #MAX_OUTPUT} bytes. */
    private static final class Tail implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean cut;

        Tail(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    synchronized (this) {
                        kept.write(buffer, 0, n);
                        if (kept.size() > 2 * MAX_OUTPUT) {
                            byte[] all = kept.toByteArray();
                            kept.reset();
                            kept.write(all, all.length - MAX_OUTPUT, MAX_OUTPUT);
                            cut = true;
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended or was killed: what was read is what there is
            }
        }

        synchronized String text() {
            byte[] all = kept.toByteArray();
            int from = Math.max(0, all.length - MAX_OUTPUT);
            String text = new String(all, from, all.length - from, StandardCharsets.UTF_8);
            return cut || from > 0 ? "[output cut to its last " + MAX_OUTPUT / 1024 + " KiB]\n" + text : text;
        }
    }
}
