package ai.magicode.appliance;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.control.ControlClient;
import ai.magicode.appliance.control.ControlException;
import ai.magicode.appliance.control.ControlServer;
import ai.magicode.appliance.secrets.MasterKeyRotation;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.SecretInfo;
import ai.magicode.appliance.secrets.Vault;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code magicode secrets …}: put, list, delete and prune secrets and rotate the master key. Each goes through the
 * control socket of the running appliance when one serves the data dir, else opens the store itself. No command
 * prints a value.
 */
@Command(
        name = "secrets",
        mixinStandardHelpOptions = true,
        description = "The secrets vault; values are never printed.",
        subcommands = {
            SecretsCommands.Put.class,
            SecretsCommands.ListCommand.class,
            SecretsCommands.Delete.class,
            SecretsCommands.Prune.class,
            SecretsCommands.RotateMasterKey.class
        })
final class SecretsCommands extends CommandGroup {
    /** Whom the audit log names for CLI actions: the operator at the server's console. */
    static final Actor CLI = new Actor(Actor.Kind.SYSTEM, "cli");

    /** The control commands the running appliance serves for these CLI commands. */
    static Map<String, ControlServer.Command> control(Vault vault) {
        Map<String, ControlServer.Command> commands = new LinkedHashMap<>();
        commands.put("secrets.put", args -> {
            byte[] value = readValue(Path.of(required(args, "value-file")));
            try {
                return json(vault.put(required(args, "tenant"), name(args), value, CLI, "-"));
            } finally {
                Arrays.fill(value, (byte) 0);
            }
        });
        commands.put(
                "secrets.list",
                args -> Map.of(
                        "secrets",
                        vault.list(required(args, "tenant")).stream()
                                .map(SecretsCommands::json)
                                .toList()));
        commands.put(
                "secrets.delete",
                args -> Map.of("deleted", vault.delete(required(args, "tenant"), name(args), CLI, "-")));
        commands.put("secrets.prune", args -> {
            String tenant = required(args, "tenant");
            String name = name(args);
            int removed = vault.prune(tenant, name, CLI, "-")
                    .orElseThrow(() -> new ControlException("There is no secret " + name + " in tenant " + tenant));
            return Map.of("removedVersions", removed);
        });
        commands.put("secrets.rotate-master-key", args -> {
            Optional<byte[]> newKey =
                    Optional.ofNullable(args.get("new-key-file")).map(Path::of).map(MasterKeySource::readNewKeyFile);
            try {
                return json(vault.rotateMasterKey(newKey, CLI));
            } finally {
                newKey.ifPresent(key -> Arrays.fill(key, (byte) 0));
            }
        });
        return commands;
    }

    private static String required(Map<String, String> args, String name) {
        String value = args.get(name);
        if (value == null || value.isBlank()) {
            throw new ControlException("missing argument " + name);
        }
        return value;
    }

    private static String name(Map<String, String> args) {
        String name = required(args, "name");
        Vault.requireName(name);
        return name;
    }

    /** The exact bytes of a value file (a PEM key keeps its final newline). */
    static byte[] readValue(Path file) {
        try {
            if (Files.size(file) > Vault.MAX_VALUE_BYTES) {
                throw new ControlException(
                        "The value file " + file + " is larger than " + Vault.MAX_VALUE_BYTES + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the value file " + file, e);
        }
    }

    static Map<String, Object> json(SecretInfo info) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", info.name());
        json.put("version", info.version());
        json.put("versions", info.versions());
        json.put("created", info.created().toString());
        info.rotated().ifPresent(rotated -> json.put("rotated", rotated.toString()));
        json.put("fingerprint", info.fingerprint());
        return json;
    }

    static Map<String, Object> json(MasterKeyRotation rotation) {
        return Map.of(
                "previousKeyId", rotation.previousKeyId(),
                "newKeyId", rotation.newKeyId(),
                "rewrappedKeys", rotation.rewrappedKeys(),
                "notice", rotation.notice());
    }

    /**
     * Runs {@code command} in the appliance serving the data dir, or else on the store opened here.
     *
     * @return the command's JSON result, and whether the running appliance answered
     */
    static Result run(ApplianceConfig config, String command, Map<String, String> args) {
        Optional<JsonNode> remote = ControlClient.send(config.dataDir(), command, args);
        if (remote.isPresent()) {
            return new Result(remote.get(), true);
        }
        try (DataDir data = DataDir.open(config)) {
            Function<Map<String, String>, Map<String, Object>> local =
                    control(data.vault()).get(command);
            return new Result(Main.JSON.valueToTree(local.apply(args)), false);
        }
    }

    record Result(JsonNode json, boolean remote) {
        String where() {
            return remote ? " (by the running appliance)" : "";
        }
    }

    /** The options every subcommand shares. */
    static final class Target {
        @Mixin
        Main.ConfigOption configOption = new Main.ConfigOption();

        @Option(names = "--tenant", required = true, paramLabel = "T", description = "The tenant.")
        String tenant;
    }

    @Command(
            name = "put",
            mixinStandardHelpOptions = true,
            description = "Create or replace a secret from the exact bytes of a file.")
    static final class Put implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Option(names = "--name", required = true, paramLabel = "N", description = "The secret's name.")
        String name;

        @Option(names = "--value-file", required = true, paramLabel = "F", description = "File holding the value.")
        Path valueFile;

        @Override
        public Integer call() {
            Result result = run(
                    target.configOption.load(),
                    "secrets.put",
                    Map.of(
                            "tenant",
                            target.tenant,
                            "name",
                            name,
                            "value-file",
                            valueFile.toAbsolutePath().toString()));
            JsonNode info = result.json();
            System.out.println("Stored secret " + info.path("name").asText() + " version "
                    + info.path("version").asInt() + " (fingerprint "
                    + info.path("fingerprint").asText() + ")"
                    + result.where());
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a tenant's secrets (no values).")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Override
        public Integer call() {
            Result result = run(target.configOption.load(), "secrets.list", Map.of("tenant", target.tenant));
            System.out.println(String.format(
                    "%-40s %7s %8s  %-16s  %s", "NAME", "VERSION", "VERSIONS", "FINGERPRINT", "CREATED / ROTATED"));
            for (JsonNode secret : result.json().path("secrets")) {
                System.out.println(String.format(
                        "%-40s %7d %8d  %-16s  %s%s",
                        secret.path("name").asText(),
                        secret.path("version").asInt(),
                        secret.path("versions").asInt(),
                        secret.path("fingerprint").asText(),
                        secret.path("created").asText(),
                        secret.has("rotated") ? " / " + secret.path("rotated").asText() : ""));
            }
            return Main.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a secret and all its versions.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Option(names = "--name", required = true, paramLabel = "N", description = "The secret's name.")
        String name;

        @Override
        public Integer call() {
            Result result =
                    run(target.configOption.load(), "secrets.delete", Map.of("tenant", target.tenant, "name", name));
            if (!result.json().path("deleted").asBoolean()) {
                System.err.println("There is no secret " + name + " in tenant " + target.tenant);
                return Main.FAILED;
            }
            System.out.println("Deleted secret " + name + result.where());
            return Main.OK;
        }
    }

    @Command(
            name = "prune",
            mixinStandardHelpOptions = true,
            description = "Remove every version of a secret but the current one.")
    static final class Prune implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Option(names = "--name", required = true, paramLabel = "N", description = "The secret's name.")
        String name;

        @Override
        public Integer call() {
            Result result =
                    run(target.configOption.load(), "secrets.prune", Map.of("tenant", target.tenant, "name", name));
            System.out.println("Removed "
                    + result.json().path("removedVersions").asInt() + " old versions of " + name + result.where());
            return Main.OK;
        }
    }

    @Command(
            name = "rotate-master-key",
            mixinStandardHelpOptions = true,
            description = "Re-wrap every data key under a new master key, without downtime and without re-encrypting"
                    + " values. The file source generates the new key; env and mounted-file take --new-key-file.")
    static final class RotateMasterKey implements Callable<Integer> {
        @Mixin
        Main.ConfigOption configOption = new Main.ConfigOption();

        @Option(
                names = "--new-key-file",
                paramLabel = "FILE",
                description = "The new key, base64 of 32 bytes (required for the env and mounted-file sources).")
        Path newKeyFile;

        @Override
        public Integer call() {
            Map<String, String> args = newKeyFile == null
                    ? Map.of()
                    : Map.of("new-key-file", newKeyFile.toAbsolutePath().toString());
            Result result = run(configOption.load(), "secrets.rotate-master-key", args);
            JsonNode rotation = result.json();
            System.out.println("Re-wrapped " + rotation.path("rewrappedKeys").asInt() + " data keys from master key "
                    + rotation.path("previousKeyId").asText() + " to "
                    + rotation.path("newKeyId").asText()
                    + result.where());
            String notice = rotation.path("notice").asText();
            if (!notice.isEmpty()) {
                System.out.println(notice);
            }
            return Main.OK;
        }
    }
}
