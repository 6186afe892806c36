package ai.magicode.appliance;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A command that only groups its subcommands ({@code magicode audit}, {@code tls}, {@code secrets}, {@code bundle}):
 * run without one, it is a usage error that names them.
 */
abstract class CommandGroup implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> names = spec.subcommands().values().stream()
                .map(CommandLine::getCommandName)
                .distinct()
                .toList();
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: " + alternatives(names));
    }

    /** Names as a sentence offers them: {@code a}, {@code a or b}, {@code a, b or c}. */
    static String alternatives(List<String> names) {
        if (names.size() < 2) {
            return String.join("", names);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}
