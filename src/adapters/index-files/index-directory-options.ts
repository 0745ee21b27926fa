import type { FieldSpec } from '../../core/search/lexical-types.ts';
import type { Logger } from '../../ports/logger.ts';

/** How a FileIndexDirectory (index-directory.ts) is set up, and its defaults. */

export interface IndexDirectoryOptions {
  /** The index folder (created when missing). */
  dir: string;
  fields: readonly FieldSpec[];
  k1: number;
  /** Custom analyser (tests); the default is the paper analyser. A custom one builds in this thread. */
  analyze?: (text: string, emit: (term: string) => void) => void;
  /** Documents per segment of a rebuild (default 40,000). */
  segmentDocs?: number;
  /** Threads a rebuild builds segments on (default 2; 1 = this thread). */
  buildThreads?: number;
  /** A rebuild of at most this many papers ends merged into one segment (default 5,000,000: whole arXiv): fastest to search. */
  singleSegmentBelow?: number;
  /** Merge policy: more segments than this are merged (default 8). */
  maxSegments?: number;
  /** Vector segments larger than this get an HNSW graph (default GRAPH_ABOVE). */
  graphAbove?: number;
  now?: () => number;
  /** Files above this size are crc-checked at open only when their mtime changed since written (default 8 MiB). */
  fullCheckBytes?: number;
  /** Merges and rebuild steps are logged at info level. */
  logger?: Logger;
  /** Bytes of frequent terms' postings kept in memory between searches (default 512 MiB; 0: none). */
  postingsCacheBytes?: number;
  /**
   * After opening a generation, load the vectors' int8 copies (vector-files.ts) and read the most
   * frequent terms' postings into that cache (up to 3/4 of it, at most READ_AHEAD_POSTINGS_BYTES) in the background, a step per
   * event-loop turn: a service's searches then find them in memory. Off by default (a one-shot CLI
   * search would only pay for it).
   */
  warmPostings?: boolean;
  /** With `warmPostings`: most bytes of postings read ahead (default READ_AHEAD_POSTINGS_BYTES). */
  readAheadPostingsBytes?: number;
  /** With `warmPostings`: bytes of int8 vector copies a process may hold (default 1.5 GiB; 0: none, cosines are read from the rows). */
  vectorCacheBytes?: number;
}

/**
 * Default of `graphAbove`. Low, because a segment without a graph is scanned in full by every
 * semantic and hybrid search (2,048 vectors: under a millisecond from the int8 copy), while its graph
 * takes well under a second to build on the writer thread.
 */
export const GRAPH_ABOVE = 2048;

/** Default of `vectorCacheBytes`: whole arXiv's 2.8M papers at 384 dimensions need 1.07 GB. */
export const VECTOR_CACHE_BYTES = 1536 << 20;

/**
 * Default of `postingsCacheBytes`. At a million papers a query's frequent words have lists of
 * megabytes, and a list not kept is copied out of the page cache at every search: with 128 MiB the
 * bench:search 1M corpus answered in 3.2 / 42.8 ms (p50 / p99), with 512 MiB in 0.7 / 12.0 (435 MiB
 * held; docs/performance.md). The cache holds only lists searched, so a small index never fills it.
 */
export const POSTINGS_CACHE_BYTES = 512 << 20;

/**
 * Most postings a service reads ahead after opening a generation: the first searches after a start
 * find the most frequent lists in memory, and the rest of the cache fills with the lists searched
 * (a start should not cost hundreds of megabytes the searches may never ask for).
 */
export const READ_AHEAD_POSTINGS_BYTES = 96 << 20;
