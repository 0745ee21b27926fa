import { UNDATED } from './days.ts';

/** Attention signals of a paper, for the trending order. */
export interface DocSignals {
  hfUpvotes: number | null;
  githubStars: number | null;
  localVotes: number;
}

export const NO_SIGNALS: DocSignals = Object.freeze({ hfUpvotes: null, githubStars: null, localVotes: 0 });

/**
 * What filters, sorts and lists read of every paper, by the store's handle `seq`: id, day,
 * categories and signals; never texts (those come from a {@link TextSource} for the papers shown).
 * Implemented in memory ({@link MemoryDocTable}) and by an on-disk snapshot with an in-memory
 * overlay (layered-doc-table.ts).
 */
export interface DocTable {
  /** Live papers. */
  readonly size: number;
  has(seq: number): boolean;
  id(seq: number): string | undefined;
  seqOf(id: string): number | undefined;
  /** Days since 1970-01-01, `UNDATED` when unknown. */
  day(seq: number): number;
  categories(seq: number): readonly string[];
  signals(seq: number): DocSignals;
  /** Live dated papers with fromDay <= day <= toDay, oldest first (same day: by seq). */
  datedBetween(fromDay: number, toDay: number): number[];
  /** The latest day on or before `day` that has a paper, `UNDATED` when none. */
  latestDay(onOrBefore: number): number;
}

export interface DocEntry {
  id: string;
  day: number;
  categories: readonly string[];
  signals: DocSignals;
}

/** Index of the first entry at or after `day` in a day-sorted list. */
export function firstAtOrAfter(sorted: readonly number[], dayOf: (seq: number) => number, day: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dayOf(sorted[mid]!) < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A document table held in memory: the whole index in tests and `paperboy eval`, the delta beside a snapshot. */
export class MemoryDocTable implements DocTable {
  private readonly docs = new Map<number, DocEntry>();
  private readonly byId = new Map<string, number>();
  /** Dated seqs sorted by (day, seq), rebuilt lazily after changes. */
  private dated: number[] | null = null;

  get size(): number {
    return this.docs.size;
  }

  has(seq: number): boolean {
    return this.docs.has(seq);
  }

  entry(seq: number): DocEntry | undefined {
    return this.docs.get(seq);
  }

  /** Every seq held, in no particular order. */
  seqs(): IterableIterator<number> {
    return this.docs.keys();
  }

  id(seq: number): string | undefined {
    return this.docs.get(seq)?.id;
  }

  seqOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  day(seq: number): number {
    return this.docs.get(seq)?.day ?? UNDATED;
  }

  categories(seq: number): readonly string[] {
    return this.docs.get(seq)?.categories ?? [];
  }

  signals(seq: number): DocSignals {
    return this.docs.get(seq)?.signals ?? { ...NO_SIGNALS };
  }

  /** Adds or replaces a paper. A record without id that became its arXiv twin is found under the new id only. */
  set(seq: number, entry: DocEntry): void {
    const before = this.docs.get(seq);
    if (before && before.id !== entry.id && this.byId.get(before.id) === seq) this.byId.delete(before.id);
    this.docs.set(seq, entry);
    this.byId.set(entry.id, seq);
    if (!before || before.day !== entry.day) this.dated = null;
  }

  delete(seq: number): boolean {
    const before = this.docs.get(seq);
    if (!before) return false;
    this.docs.delete(seq);
    if (this.byId.get(before.id) === seq) this.byId.delete(before.id);
    this.dated = null;
    return true;
  }

  setSignals(seq: number, signals: DocSignals): void {
    const entry = this.docs.get(seq);
    if (entry) entry.signals = signals;
  }

  datedBetween(fromDay: number, toDay: number): number[] {
    const dated = this.byDay();
    const out: number[] = [];
    for (let i = firstAtOrAfter(dated, (s) => this.day(s), fromDay); i < dated.length && this.day(dated[i]!) <= toDay; i++) out.push(dated[i]!);
    return out;
  }

  latestDay(onOrBefore: number): number {
    const dated = this.byDay();
    const i = firstAtOrAfter(dated, (s) => this.day(s), onOrBefore + 1) - 1;
    return i >= 0 ? this.day(dated[i]!) : UNDATED;
  }

  private byDay(): number[] {
    this.dated ??= [...this.docs].filter(([, d]) => d.day !== UNDATED).sort((a, b) => a[1].day - b[1].day || a[0] - b[0]).map(([seq]) => seq);
    return this.dated;
  }
}
