/**
 * Postings of frequent terms kept in memory between queries, shared by every snapshot of one index
 * directory in a process. Segment files never change once named (a name is never reused), so an
 * entry stays valid across generations for as long as its segment exists; deletes live elsewhere. A merged-away segment's
 * lists are never asked for again and leave as the least recently used.
 *
 * Without it every query copies each of its terms' whole postings out of the page cache (a positional
 * read per term and segment): over half of a keyword search's time at 75k papers, and the step that
 * made the on-disk index slower than the in-memory one it replaced. Bounded by bytes; the least
 * recently used lists are dropped first. Lists shorter than `minBytes` are read each time (a read of
 * a few kilobytes costs less than the bookkeeping).
 */
export class PostingsCache {
  private readonly entries = new Map<string, Uint8Array>();
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(
    /** Most bytes kept (0: nothing is kept). */
    readonly budget: number,
    readonly minBytes = 4096,
  ) {}

  /** Whether a list of this many bytes would be kept. */
  wants(bytes: number): boolean {
    return bytes >= this.minBytes && bytes <= this.budget / 8;
  }

  /** Whether a list is kept (not counted as a hit or a miss, not moved in the recency order). */
  has(segment: string, term: number): boolean {
    return this.entries.has(`${segment}\u0000${term}`);
  }

  /** Bytes that may still be added without dropping anything. */
  get free(): number {
    return this.budget - this.held;
  }

  get(segment: string, term: number): Uint8Array | null {
    const key = `${segment}\u0000${term}`;
    const entry = this.entries.get(key);
    if (!entry) {
      this.misses++;
      return null;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(segment: string, term: number, bytes: Uint8Array): void {
    if (!this.wants(bytes.byteLength)) return;
    const key = `${segment}\u0000${term}`;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.byteLength;
    }
    for (const [k, e] of this.entries) {
      if (this.held + bytes.byteLength <= this.budget) break;
      this.entries.delete(k);
      this.held -= e.byteLength;
    }
    this.entries.set(key, bytes);
    this.held += bytes.byteLength;
  }

  get bytes(): number {
    return this.held;
  }
}
