import type { MergeDecision } from '../core/merge.ts';
import type { Paper, PaperInput, StoredPaper } from '../core/paper.ts';

/** Decides what one incoming record does to the stored paper (see core/merge.ts). */
export type MergeFn = (existing: Paper | undefined, input: PaperInput) => MergeDecision;

export interface UpsertResult {
  id: string;
  outcome: MergeDecision['outcome'];
  reason?: string;
  changed?: string[];
}

export interface PaperStats {
  papers: number;
  deleted: number;
  /** Papers per category (a paper counts once in each of its categories), largest first. */
  byCategory: { category: string; papers: number }[];
  byPrimaryCategory: { category: string; papers: number }[];
  /** Papers per month of announcement (or first submission), `unknown` when neither is known. */
  byMonth: { month: string; papers: number }[];
}

/** Bookkeeping of the OAI-PMH harvester for one (set, metadataPrefix). */
export interface HarvestCheckpoint {
  key: string;
  /** Start of the window being harvested (inclusive, YYYY-MM-DD), null for "from the beginning". */
  windowFrom: string | null;
  windowUntil: string | null;
  /** Day the window's first page was served: once the window completes, the next run starts there. */
  windowStartedOn: string | null;
  /** Token of the next page of the window in progress; null when no window is in progress. */
  resumptionToken: string | null;
  /** Records already received in the window in progress. */
  cursor: number;
  /** The day up to which everything was harvested: the next run starts here. */
  harvestedThrough: string | null;
  updatedAt: string;
}

/** What the search index needs of a paper. */
export interface IndexableRow {
  seq: number;
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  /** Announcement day, else first submission (YYYY-MM-DD). */
  date: string | null;
  deleted: boolean;
  lastChangedAt: string;
  /** External attention signals for trending: Hugging Face upvotes, GitHub stars. */
  hfUpvotes: number | null;
  githubStars: number | null;
}

/**
 * A paper as the change feed hands it out: its indexable state after the change, where it stands in
 * the feed, and the local vote count.
 */
export interface PaperChange extends IndexableRow {
  /** Position of the paper's latest change in the feed (commit order; see {@link PaperStore.changesSince}). */
  changeSeq: number;
  /** The changeSeq at which anything indexed other than signals and votes last changed; <= changeSeq. */
  textSeq: number;
  /** Votes of this instance's users. */
  localVotes: number;
}

/** An embedding as the change feed hands it out. */
export interface EmbeddingChange {
  seq: number;
  changeSeq: number;
  vector: Float32Array;
}

export interface EmbeddingJob {
  seq: number;
  text: string;
  textHash: string;
}

/**
 * Where papers live. The SQLite adapter implements it today; a PostgreSQL one can follow, so every
 * method is async and speaks domain objects only.
 */
export interface PaperStore {
  /**
   * Applies a batch atomically: reads the stored papers, asks `merge` what each record does, writes
   * the changes. Records in one batch apply in order (a later record sees an earlier one's result).
   */
  upsertPapers(inputs: readonly PaperInput[], merge: MergeFn): Promise<UpsertResult[]>;
  getPaper(id: string): Promise<StoredPaper | null>;
  countPapers(): Promise<number>;
  stats(): Promise<PaperStats>;
  getCheckpoint(key: string): Promise<HarvestCheckpoint | null>;
  saveCheckpoint(checkpoint: HarvestCheckpoint): Promise<void>;
  /**
   * Every paper (deleted ones flagged), or those changed at or after `changedAfter`, in seq order;
   * rows for which `skip(seq, lastChangedAt)` is true are not read (already applied by the caller).
   */
  scanIndexable(changedAfter?: string, skip?: (seq: number, changedAt: string) => boolean): AsyncIterable<IndexableRow>;
  /** Papers whose embedding for `model` is missing or was made from another text, newest first (by announcement, submission, then first seen), up to `limit`. */
  embeddingsNeeded(model: string, textOf: (row: { title: string; abstract: string }) => string, limit?: number): Promise<{ jobs: EmbeddingJob[]; remaining: number }>;
  saveEmbeddings(model: string, items: readonly { seq: number; textHash: string; vector: Float32Array }[]): Promise<void>;
  /** Embeddings of `model`, or those saved at or after `changedAfter` (the store's own timestamps). */
  scanEmbeddings(model: string, changedAfter?: string, skip?: (seq: number, embeddedAt: string) => boolean): AsyncIterable<{ seq: number; vector: Float32Array; embeddedAt: string }>;
  /**
   * The change feed: papers whose latest change came after `afterChangeSeq`, in commit order
   * (ORDER BY changeSeq, seq), at most `limit`. Every write that changes what the index holds (import,
   * merge, deletion, signal import, vote) gives each row it writes a new changeSeq inside its own
   * transaction, so changeSeqs are handed out in commit order: a reader that applied everything up to
   * S and asks again from S never misses a later commit. A paper appears once, at its latest change;
   * deleted papers appear with `deleted: true`. Page by passing the last changeSeq returned.
   */
  changesSince(afterChangeSeq: number, limit: number): Promise<PaperChange[]>;
  /** The same for the embeddings of `model` (saved or replaced after `afterChangeSeq`), in commit order. */
  embeddingChangesSince(model: string, afterChangeSeq: number, limit: number): Promise<EmbeddingChange[]>;
  /** The latest changeSeq committed (0 for an empty store); papers and embeddings share the counter. */
  lastChangeSeq(): Promise<number>;
  /** The indexable rows of these papers (for a page of hits), by seq; seqs not stored are absent. */
  readIndexed(seqs: readonly number[]): Promise<Map<number, IndexableRow & { localVotes: number }>>;
  close(): Promise<void>;
}
