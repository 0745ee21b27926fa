import { topK } from '../../core/search/top-k.ts';
import type { DocSignals, Snapshot } from '../../ports/search-index.ts';

const NONE: DocSignals = Object.freeze({ hfUpvotes: 0, githubStars: 0, localVotes: 0 });

/**
 * A generation with no papers: what the index service reads before its directory is open, and
 * always when it has no directory (everything then lives in the in-memory delta).
 */
export function emptySnapshot(): Snapshot {
  return {
    generation: 0,
    feedSeq: 0,
    vectorFeedSeq: 0,
    size: 0,
    parts: [],
    stats: () => ({ docs: 0, avgLengths: [], docFreq: () => 0 }),
    // The delta alone: its own statistics are the global ones.
    search: (query, options) => topK((options.extra ?? []).flatMap((part) => part.search(query, { limit: options.limit, ...(options.filter ? { filter: options.filter } : {}) })), options.limit),
    contains: () => false,
    supersede: () => undefined,
    has: () => false,
    seqs: () => new Int32Array(0),
    byDay: () => new Int32Array(0),
    latestDay: () => -1,
    meta: () => undefined,
    day: () => -1,
    inCategories: () => false,
    seqOf: () => undefined,
    signals: () => NONE,
    vectorCount: 0,
    vector: () => null,
    vectorScore: () => null,
    supersedeVector: () => undefined,
    nearest: () => [],
    retain: () => undefined,
    close: () => undefined,
  };
}
