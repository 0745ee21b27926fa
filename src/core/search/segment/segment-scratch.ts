import type { ScoringScratch } from './scorer.ts';
import type { PostingsCache } from './postings-cache.ts';

/** Contributions of one term in one segment recomputed for averages other than the stored ones. */
export interface Recomputed {
  avg: readonly number[];
  sat: Float32Array;
  maxSat: number;
}

/** Bytes of recomputed contributions a snapshot keeps (least recently used dropped first). */
export const RECOMPUTED_CACHE_BYTES = 32 << 20;

/** Scratch a snapshot's segments share: accumulators and postings buffers, reused query after query. */
export class SegmentScratch {
  private buffers: Uint8Array[] = [];
  private next = 0;
  readonly small = new Uint8Array(64);
  /** Recomputed contributions by segment and term, in least-recently-used order. */
  private readonly recomputed = new Map<string, Recomputed>();
  private recomputedBytes = 0;
  constructor(
    readonly scoring: ScoringScratch,
    /** Frequent terms' postings kept between queries (shared by the directory's snapshots), or none. */
    readonly postings: PostingsCache | null = null,
    private readonly recomputedBudget = RECOMPUTED_CACHE_BYTES,
  ) {}

  /** Recomputed contributions of a segment's term for exactly these averages, if kept. */
  cached(key: string, avg: readonly number[]): Recomputed | null {
    const entry = this.recomputed.get(key);
    if (!entry) return null;
    if (entry.avg.length !== avg.length || entry.avg.some((a, f) => a !== avg[f])) {
      this.drop(key, entry);
      return null;
    }
    this.recomputed.delete(key);
    this.recomputed.set(key, entry);
    return entry;
  }

  keep(key: string, entry: Recomputed): void {
    const bytes = entry.sat.byteLength;
    if (bytes > this.recomputedBudget / 4) return;
    const old = this.recomputed.get(key);
    if (old) this.drop(key, old);
    for (const [k, e] of this.recomputed) {
      if (this.recomputedBytes + bytes <= this.recomputedBudget) break;
      this.drop(k, e);
    }
    this.recomputed.set(key, entry);
    this.recomputedBytes += bytes;
  }

  private drop(key: string, entry: Recomputed): void {
    this.recomputed.delete(key);
    this.recomputedBytes -= entry.sat.byteLength;
  }

  /** Bytes of recomputed contributions kept. */
  get cachedBytes(): number {
    return this.recomputedBytes;
  }
  /** Starts a query: every buffer may be reused (all are dropped once they exceed 64 MiB together). */
  reset(): void {
    this.next = 0;
    if (this.buffers.reduce((sum, b) => sum + b.byteLength, 0) > 64 << 20) this.buffers = [];
  }
  /** A buffer of at least `bytes` bytes, not handed out again before the next `reset`. */
  take(bytes: number): Uint8Array {
    let buffer = this.buffers[this.next];
    if (!buffer || buffer.length < bytes) {
      buffer = new Uint8Array(Math.max(bytes, Math.min(2 * (buffer?.length ?? 0), bytes * 2), 4096));
      this.buffers[this.next] = buffer;
    }
    this.next++;
    return buffer;
  }
  /** Bytes held by the postings buffers. */
  get bytes(): number {
    return this.buffers.reduce((sum, b) => sum + b.byteLength, 0) + this.recomputedBytes;
  }
}
