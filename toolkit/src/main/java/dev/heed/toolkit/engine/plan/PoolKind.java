package dev.heed.toolkit.engine.plan;

/** What a pooling op computes over its window. */
public enum PoolKind {
    MAX,
    AVG,
    /** Global pooling only. */
    SUM
}
