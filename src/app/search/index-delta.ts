import type { PaperChange } from '../../ports/paper-store.ts';
import type { Snapshot } from '../../ports/search-index.ts';
import type { DocSignals } from './doc-table.ts';
import { MemoryIndex, type MemoryIndexOptions } from './memory-index.ts';
import { VectorSearch } from './vector-search.ts';

/** Signals as the feed hands them out. */
export function signalsOf(change: Pick<PaperChange, 'hfUpvotes' | 'githubStars' | 'localVotes'>): DocSignals {
  return { hfUpvotes: change.hfUpvotes, githubStars: change.githubStars, localVotes: change.localVotes };
}

/**
 * What this process knows beyond an on-disk generation: the feed's changes after the generation's
 * feed positions. Papers whose indexed text changed (or that are new) live in an in-memory index
 * and are hidden in the snapshot; signal-only changes go to an overlay, never to postings; deleted
 * papers are hidden; new vectors sit beside the snapshot's. A paper lives in the snapshot or in
 * the delta, never both.
 */
export class IndexDelta {
  readonly index: MemoryIndex;
  /** Vectors set since the generation (of papers in the snapshot or in the delta). */
  readonly vectors: VectorSearch | null;
  /** Signals of snapshot papers changed since the generation (votes, upvotes, stars). */
  readonly overlay = new Map<number, DocSignals>();
  /** Papers of the snapshot deleted since. */
  readonly removed = new Set<number>();
  /** The text position each delta paper was indexed at (a later signal-only change does not re-index it). */
  private readonly textSeqOf = new Map<number, number>();
  /** Snapshot papers whose stored vector is hidden (replaced or deleted). */
  private readonly hiddenVectors = new Set<number>();
  /** Papers with a vector in `vectors`. */
  private readonly vectorSet = new Set<number>();
  /** Feed positions applied: papers, embeddings. */
  feedSeq: number;
  vectorFeedSeq: number;
  /** Text changes held (new, changed or deleted papers), vectors set, and when the oldest change of any kind arrived (ms): the flush policy. */
  textChanges = 0;
  vectorChanges = 0;
  oldestChangeAt: number | null = null;

  constructor(readonly snapshot: Snapshot, options: MemoryIndexOptions) {
    const { dims, ...lexical } = options;
    this.index = new MemoryIndex({ ...lexical, keepTexts: false });
    this.vectors = dims
      ? new VectorSearch(dims, { ...(options.ann ? { ann: options.ann } : {}), exactThreshold: options.exactThreshold ?? 20_000, annCandidates: options.annCandidates ?? 400 })
      : null;
    this.feedSeq = snapshot.feedSeq;
    this.vectorFeedSeq = snapshot.vectorFeedSeq;
  }

  /** Vectors searchable now: the snapshot's not hidden plus the delta's. */
  get vectorCount(): number {
    return this.snapshot.vectorCount - this.hiddenVectors.size + (this.vectors?.size ?? 0);
  }

  /** Applies one paper change from the feed (in feed order); `now` stamps the oldest pending change. */
  apply(change: PaperChange, now: number): void {
    const { seq } = change;
    if (change.changeSeq > this.feedSeq) this.feedSeq = change.changeSeq;
    if (change.changeSeq <= this.snapshot.feedSeq) return;
    if (change.deleted) {
      if (!this.snapshot.has(seq) && !this.index.docs.has(seq)) return;
      this.hideInSnapshot(seq, false);
      this.index.remove(seq);
      this.vectors?.remove(seq);
      this.vectorSet.delete(seq);
      this.textSeqOf.delete(seq);
      this.overlay.delete(seq);
      this.removed.add(seq);
      this.noteTextChange(now);
      return;
    }
    const signals = signalsOf(change);
    const inDelta = this.index.docs.has(seq);
    const textIsNew = inDelta ? this.textSeqOf.get(seq) !== change.textSeq : change.textSeq > this.snapshot.feedSeq || !this.snapshot.has(seq);
    if (!textIsNew) {
      if (inDelta) this.index.docs.setSignals(seq, signals);
      else this.overlay.set(seq, signals);
      this.oldestChangeAt ??= now;
      return;
    }
    this.hideInSnapshot(seq, true);
    this.removed.delete(seq);
    this.overlay.delete(seq);
    this.textSeqOf.set(seq, change.textSeq);
    this.index.upsert({ docId: seq, id: change.id, title: change.title, abstract: change.abstract, authors: change.authors, categories: change.categories, date: change.date, signals });
    this.noteTextChange(now);
  }

  /** Applies one embedding change (the paper's vector replaced). Vectors of papers not in the index are ignored. */
  applyVector(seq: number, changeSeq: number, vector: Float32Array, now: number): void {
    if (changeSeq > this.vectorFeedSeq) this.vectorFeedSeq = changeSeq;
    if (!this.vectors || changeSeq <= this.snapshot.vectorFeedSeq) return;
    if (!this.index.docs.has(seq) && !this.snapshot.has(seq)) return;
    if (this.snapshot.vector(seq)) {
      this.snapshot.supersedeVector(seq);
      this.hiddenVectors.add(seq);
    }
    this.vectors.set(seq, vector);
    this.vectorSet.add(seq);
    this.vectorChanges++;
    this.oldestChangeAt ??= now;
  }

  /** Papers whose vector the delta holds (to write them out). */
  vectorSeqs(): number[] {
    return [...this.vectorSet];
  }

  /** Whether anything waits to be written: papers, deletions, signals or vectors. */
  get pending(): boolean {
    return this.textChanges > 0 || this.overlay.size > 0 || this.vectorSet.size > 0;
  }

  /** Vector of a paper: the delta's, else the snapshot's. */
  vector(seq: number): Float32Array | null {
    return this.vectors?.vector(seq) ?? (this.hiddenVectors.has(seq) ? null : this.snapshot.vector(seq));
  }

  /** Cosine of the query with a paper's vector: the delta's exactly, else the snapshot's (null when none). */
  vectorScore(query: Float32Array, seq: number): number | null {
    const own = this.vectors?.score(query, seq);
    if (own !== undefined && own !== null) return own;
    return this.hiddenVectors.has(seq) ? null : this.snapshot.vectorScore(query, seq);
  }

  /** Seqs of the papers held in the delta's index. */
  docSeqs(): number[] {
    return [...this.index.docs.seqs()];
  }

  /**
   * Hides a paper of the snapshot (it moves to the delta, or was deleted). Its stored vector stays
   * usable when the paper only moves: a category or date change keeps its embedding.
   */
  private hideInSnapshot(seq: number, keepVector: boolean): void {
    if (!this.snapshot.has(seq)) return;
    const before = this.hiddenVectors.has(seq) ? null : this.snapshot.vector(seq);
    this.snapshot.supersede(seq);
    if (!before) return;
    const copy = keepVector && !this.vectors?.vector(seq) ? Float32Array.from(before) : null;
    this.snapshot.supersedeVector(seq);
    this.hiddenVectors.add(seq);
    if (copy && this.vectors) {
      this.vectors.set(seq, copy);
      this.vectorSet.add(seq);
    }
  }

  private noteTextChange(now: number): void {
    this.textChanges++;
    this.oldestChangeAt ??= now;
  }
}
