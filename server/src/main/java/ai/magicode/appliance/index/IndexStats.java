package ai.magicode.appliance.index;

import ai.magicode.appliance.git.Snapshot;
import java.util.Map;

/**
 * What one {@link CodeIndex#update} did: the commit now indexed, whether it rebuilt from scratch (and why) or reused
 * the index, files and chunks (re)indexed, chunks embedded versus vectors reused, files skipped by reason, and the
 * time spent embedding versus in total.
 */
public record IndexStats(
        String commit,
        String action,
        int filesIndexed,
        int chunksIndexed,
        int chunksEmbedded,
        int vectorsReused,
        Map<Snapshot.Skip, Integer> skipped,
        double embedSeconds,
        double totalSeconds) {}
