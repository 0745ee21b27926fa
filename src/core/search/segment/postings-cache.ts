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
  private readonly lists = new Map<string, Uint8Array>();
  private held = 0;
  hits = 0;
  misses = 0;
  /** Lists this cache read and kept (`set`), and lists a sibling thread read that it took (`adopt`). */
  stored = 0;
  adopted = 0;

  constructor(
    /** Most bytes kept (0: nothing is kept). */
    readonly budget: number,
    readonly minBytes = 4096,
    /**
     * Threads of one process sharing lists (adapters/index-files/thread-share.ts): `allocate` gives
     * the buffer a list to be kept is read into, `announce` tells the sibling threads of a list kept.
     */
    private readonly sharing: { allocate(bytes: number): Uint8Array; announce(segment: string, term: number, bytes: Uint8Array): void } | null = null,
  ) {}

  /** A buffer for a list that will be kept (shared memory when threads share the cache). */
  allocate(bytes: number): Uint8Array {
    return this.sharing ? this.sharing.allocate(bytes) : new Uint8Array(bytes);
  }

  /** Whether a list of this many bytes would be kept. */
  wants(bytes: number): boolean {
    return bytes >= this.minBytes && bytes <= this.budget / 8;
  }

  /** Whether a list is kept (not counted as a hit or a miss, not moved in the recency order). */
  has(segment: string, term: number): boolean {
    return this.lists.has(`${segment}\u0000${term}`);
  }

  /** Bytes that may still be added without dropping anything. */
  get free(): number {
    return this.budget - this.held;
  }

  get(segment: string, term: number): Uint8Array | null {
    const key = `${segment}\u0000${term}`;
    const entry = this.lists.get(key);
    if (!entry) {
      this.misses++;
      return null;
    }
    this.hits++;
    this.lists.delete(key);
    this.lists.set(key, entry);
    return entry;
  }

  set(segment: string, term: number, bytes: Uint8Array): void {
    if (!this.keep(segment, term, bytes)) return;
    this.stored++;
    this.sharing?.announce(segment, term, bytes);
  }

  /**
   * A list a sibling thread read (the same bytes, in shared memory): kept as the most recently used,
   * unless this cache holds the list already and `replace` is false.
   */
  adopt(segment: string, term: number, bytes: Uint8Array, replace: boolean): void {
    if (!replace && this.has(segment, term)) return;
    if (this.keep(segment, term, bytes)) this.adopted++;
  }

  private keep(segment: string, term: number, bytes: Uint8Array): boolean {
    if (!this.wants(bytes.byteLength)) return false;
    const key = `${segment}\u0000${term}`;
    const old = this.lists.get(key);
    if (old) {
      this.lists.delete(key);
      this.held -= old.byteLength;
    }
    for (const [k, e] of this.lists) {
      if (this.held + bytes.byteLength <= this.budget) break;
      this.lists.delete(k);
      this.held -= e.byteLength;
    }
    this.lists.set(key, bytes);
    this.held += bytes.byteLength;
    return true;
  }

  /** Every kept list as [`segment\u0000term`, bytes] (for a sibling thread that starts later). */
  *entries(): Generator<[string, Uint8Array]> {
    yield* this.lists.entries();
  }

  get bytes(): number {
    return this.held;
  }
}
