package ai.magicode.appliance.bench;

import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Source files for generated benchmark repositories: Java, Python, TypeScript and Go in turn, each a type with a few
 * functions whose names and bodies vary with the file number (seeded, so every run indexes the same text). Every
 * other pair of files is a test, as in a real repository (tests are indexed but get no vectors).
 */
final class GeneratedSources {
    private static final String[] AREAS = {"billing", "catalog", "shipping", "accounts", "search", "reports", "auth"};
    private static final String[] WORDS = {
        "invoice", "order", "parcel", "carrier", "ledger", "refund", "customer", "address", "token", "session",
        "report", "index", "query", "price", "discount", "stock", "warehouse", "payment", "receipt", "tax"
    };
    private static final String[] VERBS = {"compute", "load", "store", "validate", "render", "find", "merge", "split"};

    private final int units;

    /** @param units functions per file (each becomes one chunk, plus the type's own) */
    GeneratedSources(int units) {
        this.units = units;
    }

    /** Files {@code 0..count-1} as path and text. */
    Iterator<Map.Entry<String, String>> files(int count) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (next >= count) {
                    throw new NoSuchElementException();
                }
                int file = next++;
                return Map.entry(path(file), text(file, 0));
            }
        };
    }

    /** The path of file {@code file}. */
    String path(int file) {
        String area = AREAS[file % AREAS.length];
        String dir = area + "/part" + (file / 50);
        boolean test = (file / 4) % 2 == 1;
        return switch (file % 4) {
            case 0 ->
                "src/" + (test ? "test" : "main") + "/java/" + dir + "/" + type(file) + (test ? "Test" : "") + ".java";
            case 1 ->
                "python/" + dir + "/" + (test ? "test_" : "") + word(file, 1) + "_" + word(file, 2) + "_" + file
                        + ".py";
            case 2 -> "web/" + dir + "/" + word(file, 1) + word(file, 2) + file + (test ? ".test.ts" : ".ts");
            default -> "go/" + dir + "/" + word(file, 1) + "_" + file + (test ? "_test.go" : ".go");
        };
    }

    /** The text of file {@code file} in its {@code revision}-th version (a revision changes every body). */
    String text(int file, int revision) {
        StringBuilder out = new StringBuilder();
        String type = type(file);
        switch (file % 4) {
            case 0 -> {
                out.append("package ").append(AREAS[file % AREAS.length]).append(";\n\n");
                out.append("/** Handles ").append(word(file, 1)).append(" records. */\n");
                out.append("public class ").append(type).append(" {\n");
                for (int u = 0; u < units; u++) {
                    out.append("    /** ").append(sentence(file, u)).append(" */\n");
                    out.append("    public long ").append(function(file, u)).append("(long value) {\n");
                    body(out, "        ", "long ", ";", file, u, revision);
                    out.append("        return total;\n    }\n\n");
                }
                out.append("}\n");
            }
            case 1 -> {
                out.append("\"\"\"").append(sentence(file, 0)).append("\"\"\"\n\n");
                out.append("class ").append(type).append(":\n");
                for (int u = 0; u < units; u++) {
                    out.append("    def ").append(snake(function(file, u))).append("(self, value):\n");
                    out.append("        \"\"\"").append(sentence(file, u)).append("\"\"\"\n");
                    body(out, "        ", "", "", file, u, revision);
                    out.append("        return total\n\n");
                }
            }
            case 2 -> {
                out.append("// ").append(sentence(file, 0)).append("\n");
                out.append("export class ").append(type).append(" {\n");
                for (int u = 0; u < units; u++) {
                    out.append("  ").append(function(file, u)).append("(value: number): number {\n");
                    body(out, "    ", "let ", ";", file, u, revision);
                    out.append("    return total;\n  }\n\n");
                }
                out.append("}\n");
            }
            default -> {
                out.append("package ").append(AREAS[file % AREAS.length]).append("\n\n");
                out.append("// ")
                        .append(type)
                        .append(" ")
                        .append(sentence(file, 0))
                        .append("\n");
                out.append("type ").append(type).append(" struct{ count int64 }\n\n");
                for (int u = 0; u < units; u++) {
                    out.append("func (t *")
                            .append(type)
                            .append(") ")
                            .append(capital(function(file, u)))
                            .append("(value int64) int64 {\n");
                    body(out, "\t", "var ", "", file, u, revision);
                    out.append("\treturn total\n}\n\n");
                }
            }
        }
        return out.toString();
    }

    private static void body(
            StringBuilder out, String indent, String declare, String end, int file, int unit, int revision) {
        String a = word(file, unit + 3);
        String b = word(file, unit + 5);
        out.append(indent)
                .append(declare)
                .append("total = value * ")
                .append(unit + revision + 2)
                .append(end)
                .append('\n');
        out.append(indent)
                .append(declare)
                .append(a)
                .append("Count = total + ")
                .append(file % 97)
                .append(end)
                .append('\n');
        out.append(indent)
                .append(declare)
                .append(b)
                .append("Limit = ")
                .append(a)
                .append("Count - ")
                .append(revision)
                .append(end)
                .append('\n');
        out.append(indent)
                .append("total = total + ")
                .append(b)
                .append("Limit")
                .append(end)
                .append('\n');
    }

    private static String type(int file) {
        return capital(word(file, 1)) + capital(word(file, 2)) + capital(VERBS[file % VERBS.length]) + "er" + file;
    }

    private static String function(int file, int unit) {
        return VERBS[(file + unit) % VERBS.length] + capital(word(file, unit + 7)) + capital(word(file, unit + 11));
    }

    private static String sentence(int file, int unit) {
        return capital(VERBS[(file + unit) % VERBS.length]) + "s the " + word(file, unit + 7) + " of each "
                + word(file, unit + 11) + " for the " + AREAS[file % AREAS.length] + " area.";
    }

    private static String word(int file, int salt) {
        return WORDS[Math.floorMod(file * 31 + salt * 17 + file / 7, WORDS.length)];
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static String capital(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
