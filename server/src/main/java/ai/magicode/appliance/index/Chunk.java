package ai.magicode.appliance.index;

import java.util.List;

/**
 * A unit of a source file: a type, a function or method (with its signature and the names enclosing it), or a window
 * of lines for text without recognised structure. Lines are 1-based and inclusive.
 */
record Chunk(
        Kind kind, String name, List<String> enclosing, String signature, int startLine, int endLine, String text) {
    enum Kind {
        TYPE,
        FUNCTION,
        WINDOW
    }

    /** Enclosing names and the unit's own name, dot-separated ({@code Outer.Inner.method}). */
    String qualifiedName() {
        return enclosing.isEmpty() ? name : String.join(".", enclosing) + "." + name;
    }
}
