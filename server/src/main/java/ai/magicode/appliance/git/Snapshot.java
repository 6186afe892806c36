package ai.magicode.appliance.git;

import java.util.List;
import java.util.Map;

/**
 * The readable files of one commit, and the entries skipped by kind (submodules, symlinks, files over the size cap),
 * so callers can report them.
 */
public record Snapshot(String commit, List<SourceFile> files, Map<Skip, Integer> skipped) {
    /** Why a tree entry was not offered for reading. */
    public enum Skip {
        SUBMODULE,
        SYMLINK,
        TOO_LARGE,
        BINARY,
        VENDORED_OR_GENERATED
    }
}
