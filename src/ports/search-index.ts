/**
 * The persistent search index: immutable segments named by an atomically replaced manifest
 * (docs/search.md, "Index on disk"). Everything is keyed by the store's integer paper handle `seq`.
 * The engine codes against these shapes; src/adapters/index-files implements them over a folder.
 */
import type { LexicalHit, TermClause } from '../core/search/lexical-types.ts';
import type { PaperText } from './text-source.ts';

export type { LexicalHit, TermClause };

/** A lexical query, the same shape `LexicalIndex.search` takes. */
export interface LexicalQuery {
  /** Scored clauses (BM25F, summed). */
  should: readonly TermClause[];
  /** Required groups: a document must match at least one clause of every group. */
  must?: readonly (readonly TermClause[])[];
  /** A document matching any of these is left out. */
  mustNot?: readonly TermClause[];
}

/** Collection-wide statistics every part (segment or delta) scores with, so their scores compare. */
export interface GlobalStats {
  /** Documents counted (deleted ones still count until merged away, as in Lucene). */
  readonly docs: number;
  /** Average length of each field, in the index's field order. */
  readonly avgLengths: readonly number[];
  /** Documents holding an analysed term, summed over every part. */
  docFreq(term: string): number;
}

/** Options of one lexical search over a part. */
export interface LexicalSearchOptions {
  limit: number;
  /** Called per candidate with its seq; false leaves it out. */
  filter?: (seq: number) => boolean;
  /** Statistics to score with; default: the part's own. */
  stats?: GlobalStats;
  /** The k-th best score other parts already found: documents below it may be skipped (MaxScore). */
  floor?: number;
}

/** Something that answers lexical queries over its documents: a segment, or the in-memory delta. */
export interface LexicalPart {
  /** Documents this part counts in the statistics (a segment's deleted ones included). */
  readonly statDocs: number;
  /** Sum of each field's length over those documents. */
  fieldLengthSums(): readonly number[];
  /** Documents of this part holding the term (deleted ones included in segments). */
  docFreq(term: string): number;
  /** Best `limit` live documents by score (descending), ties by seq ascending. */
  search(query: LexicalQuery, options: LexicalSearchOptions): LexicalHit[];
  /** Whether the live document `seq` of this part holds the term (in the clause's fields, or any). */
  contains(seq: number, clause: TermClause): boolean;
}

/** What a document of the index holds besides its postings. */
export interface DocMeta {
  seq: number;
  /** Paper id (arXiv id or the store's own). */
  id: string;
  /** Days since 1970-01-01 of its date (announcement, else submission); -1 when unknown. */
  day: number;
  categories: readonly string[];
}

/** Attention signals for the trending sort (0 when unknown). */
export interface DocSignals {
  hfUpvotes: number;
  githubStars: number;
  localVotes: number;
}

/** A paper as the index builder takes it. Authors are joined with ' ; ' into the authors field. */
export interface IndexDoc extends PaperText {
  seq: number;
  signals?: Partial<DocSignals>;
}

/** Nearest-neighbour answer: exact cosine of the query with the paper's stored vector. */
export interface VectorHit {
  seq: number;
  score: number;
}

/**
 * One generation of the index, opened read-only. Searches in flight keep the snapshot they started
 * with; the files stay readable until `close()` even when a newer generation deletes them.
 */
export interface Snapshot {
  /** Manifest generation (increases by one per write). */
  readonly generation: number;
  /** Feed position (change_seq) of the last text/meta change this generation holds. */
  readonly feedSeq: number;
  /** Feed position of the last embedding change this generation holds. */
  readonly vectorFeedSeq: number;
  /** Live documents over every segment (after deletes and `supersede`). */
  readonly size: number;
  /** The segments, each a lexical part (live documents only). */
  readonly parts: readonly LexicalPart[];
  /** Statistics over the segments plus `extra` parts (the delta): what every part scores with. */
  stats(extra?: readonly LexicalPart[]): GlobalStats;
  /** Searches every segment and `extra` parts with global stats and merges their top k (exact). */
  search(query: LexicalQuery, options: { limit: number; filter?: (seq: number) => boolean; extra?: readonly LexicalPart[] }): LexicalHit[];
  /** Whether live document `seq` holds the term (in the clause's fields, or any). */
  contains(seq: number, clause: TermClause): boolean;
  /** Hides a seq from this snapshot: its newer version lives in the caller's delta, or it was deleted. */
  supersede(seq: number): void;
  /** Whether `seq` is a live document of this snapshot. */
  has(seq: number): boolean;
  /** Every live seq, ascending (a fresh array). */
  seqs(): Int32Array;
  /** Live seqs whose day is within [fromDay, toDay], ordered by (day, seq). */
  byDay(fromDay: number, toDay: number): Int32Array;
  /** The latest day on or before `day` that a live document has, -1 when none. */
  latestDay(day: number): number;
  /** Id, day and categories of a live document, undefined otherwise. */
  meta(seq: number): DocMeta | undefined;
  /** Day of a live document (days since 1970-01-01), -1 when unknown or absent (cheap: for filters). */
  day(seq: number): number;
  /** Whether a live document has one of the categories, or one under it (`cs` matches `cs.LG`). */
  inCategories(seq: number, wanted: readonly string[]): boolean;
  /** Seq of a live paper id, undefined when absent. */
  seqOf(id: string): number | undefined;
  /** Signals of a seq as of this generation (zeros when none were recorded). */
  signals(seq: number): DocSignals;
  /** Vectors stored for the expected model. */
  readonly vectorCount: number;
  /** Exact float32 vector of a seq, null when it has none (or it was superseded). */
  vector(seq: number): Float32Array | null;
  /** Cosine of the query with a seq's stored vector (null when none): possibly from an int8 copy in memory (error at most sqrt(dims)/254, mean 5e-4 with bge-small). */
  vectorScore(query: Float32Array, seq: number): number | null;
  /** Hides a seq's stored vector (its newer vector, or its removal, lives in the caller's delta). */
  supersedeVector(seq: number): void;
  /** The `k` nearest live vectors passing `filter`, by exact cosine (ANN candidates re-scored). */
  nearest(query: Float32Array, k: number, filter?: (seq: number) => boolean): VectorHit[];
  /** One more user of this snapshot (a search in flight): each `retain` needs one more `close`. */
  retain(): void;
  /** Releases this user; the last one releases file descriptors and mapped graphs (reads after that throw). */
  close(): void;
}

/** What `open` checks the directory against. */
export interface OpenExpectation {
  /** Embedding model id, or null when none is configured (vectors are then ignored). */
  model: string | null;
  dims: number;
  /** The store's last change_seq: a manifest beyond it belongs to another (replaced) store. */
  storeLastChangeSeq: number;
  /** The store's identity (PaperStore.storeId): an index recording another one was built from another database. */
  storeId?: string | null;
}

/** One write: the changes since the last generation, applied atomically as a new generation. */
export interface WriteBatch {
  /** New or changed papers; each replaces any older copy of its seq. */
  docs: readonly IndexDoc[];
  /** Seqs removed from the index (deleted papers), with their vectors; a seq also in `docs` is removed. */
  removed: readonly number[];
  /** Vectors set (replacing older ones) and removed. */
  vectors?: { set: readonly { seq: number; vector: Float32Array }[]; removed: readonly number[] };
  /** Signals changed (only these seqs are rewritten in the new signals file). */
  signals?: readonly ({ seq: number } & DocSignals)[];
  feedSeq: number;
  vectorFeedSeq: number;
}

/** Vectors for a rebuild, in any order. */
export interface VectorSource {
  model: string;
  dims: number;
  vectors: AsyncIterable<{ seq: number; vector: Float32Array }>;
}

/**
 * The folder of the persistent index (one writer at a time, any number of readers). `write`,
 * `rebuild` and `merge` take the writer LOCK for their duration and throw an `IndexLockedError`
 * (adapters/index-files) when a live process holds it.
 */
export interface IndexDirectory {
  /** Opens the current generation after verifying it; a reason to rebuild when it cannot be trusted. */
  open(expect: OpenExpectation): Promise<Snapshot | { rebuild: string }>;
  /** Writes a new generation (takes and releases LOCK); returns it opened. */
  write(batch: WriteBatch, expect: OpenExpectation): Promise<Snapshot>;
  /** Builds a fresh generation from every paper (in increasing seq order) and vector of the store, replacing whatever is there. */
  rebuild(docs: AsyncIterable<IndexDoc>, positions: { feedSeq: number; vectorFeedSeq: number; storeId?: string | null }, vectors?: VectorSource): Promise<Snapshot>;
  /** Applies the merge policy (more than 8 segments, or over 25% deleted); returns the new generation or null when nothing was merged. */
  merge(expect: OpenExpectation): Promise<Snapshot | null>;
  /** Generation of the MANIFEST on disk now (cheap stat + read), -1 when none. */
  currentGeneration(): number;
  /** Settles when the read-ahead of the generation opened last is done (a service reads its files ahead after opening); at once when there is none. */
  readAhead(): Promise<void>;
  /** Deletes files no manifest references (after a crash or a merge). */
  removeUnreferenced(): void;
}
