package ai.magicode.appliance.git;

/** A regular file in a commit's tree: its path from the repository root, its blob id and its size in bytes. */
public record SourceFile(String path, String blobId, long size) {}
