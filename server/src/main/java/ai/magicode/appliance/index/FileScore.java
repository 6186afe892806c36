package ai.magicode.appliance.index;

/** A file of the repository and its relevance to a query, higher is better. */
public record FileScore(String path, double score) {}
