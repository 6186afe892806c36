package ai.magicode.appliance.index;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Where a repository's index stands, for the console and the API: its state, the commit it holds, and while
 * it is being updated, files done of total, chunks, chunks per second and the estimated time left.
 *
 * @param state the state
 * @param commit the commit the index holds (after an update: the one it now holds)
 * @param filesDone files looked at by the running update
 * @param filesTotal files the running update looks at
 * @param chunks chunks indexed by the running (or last) update
 * @param chunksPerSecond the running update's rate
 * @param requestedAt when the running (or last) update was requested
 * @param startedAt when it started
 * @param finishedAt when it ended
 * @param error why the last update failed (never source text)
 */
public record IndexStatus(
        State state,
        Optional<String> commit,
        int filesDone,
        int filesTotal,
        int chunks,
        double chunksPerSecond,
        Optional<Instant> requestedAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        Optional<String> error) {
    /** The states of an index. */
    public enum State {
        NONE,
        QUEUED,
        INDEXING,
        READY,
        FAILED
    }

    static IndexStatus none() {
        return new IndexStatus(
                State.NONE,
                Optional.empty(),
                0,
                0,
                0,
                0,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    static IndexStatus ready(String commit) {
        return new IndexStatus(
                State.READY,
                Optional.of(commit),
                0,
                0,
                0,
                0,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    static IndexStatus queued(Instant requested) {
        return new IndexStatus(
                State.QUEUED,
                Optional.empty(),
                0,
                0,
                0,
                0,
                Optional.of(requested),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    static IndexStatus indexing(
            Instant requested, Instant started, int filesDone, int filesTotal, int chunks, double chunksPerSecond) {
        return new IndexStatus(
                State.INDEXING,
                Optional.empty(),
                filesDone,
                filesTotal,
                chunks,
                chunksPerSecond,
                Optional.of(requested),
                Optional.of(started),
                Optional.empty(),
                Optional.empty());
    }

    static IndexStatus done(Instant requested, Instant started, Instant finished, IndexStats stats) {
        return new IndexStatus(
                State.READY,
                Optional.of(stats.commit()),
                stats.filesIndexed(),
                stats.filesIndexed(),
                stats.chunksIndexed(),
                stats.totalSeconds() > 0 ? stats.chunksIndexed() / stats.totalSeconds() : 0,
                Optional.of(requested),
                Optional.of(started),
                Optional.of(finished),
                Optional.empty());
    }

    static IndexStatus failed(Instant requested, Instant started, Instant finished, String error) {
        return new IndexStatus(
                State.FAILED,
                Optional.empty(),
                0,
                0,
                0,
                0,
                Optional.of(requested),
                Optional.of(started),
                Optional.of(finished),
                Optional.of(error));
    }

    /** Whether an update is queued or running. */
    public boolean busy() {
        return state == State.QUEUED || state == State.INDEXING;
    }

    /**
     * Seconds left for the running update, from the files still to look at at the rate so far (files/s): empty
     * before the first file or when no update runs.
     */
    public OptionalDouble etaSeconds() {
        if (state != State.INDEXING || filesDone == 0 || startedAt.isEmpty()) {
            return OptionalDouble.empty();
        }
        double elapsed = (Instant.now().toEpochMilli() - startedAt.get().toEpochMilli()) / 1000.0;
        return OptionalDouble.of(elapsed / filesDone * (filesTotal - filesDone));
    }

    /** The status as the API answers it. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
        commit.ifPresent(c -> json.put("commit", c));
        json.put("filesDone", filesDone);
        json.put("filesTotal", filesTotal);
        json.put("chunks", chunks);
        json.put("chunksPerSecond", Math.round(chunksPerSecond * 10) / 10.0);
        etaSeconds().ifPresent(eta -> json.put("etaSeconds", Math.round(eta)));
        requestedAt.ifPresent(t -> json.put("requestedAt", t.toString()));
        startedAt.ifPresent(t -> json.put("startedAt", t.toString()));
        finishedAt.ifPresent(t -> json.put("finishedAt", t.toString()));
        error.ifPresent(e -> json.put("error", e));
        return json;
    }
}
