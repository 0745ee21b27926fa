import { topK } from '../../core/search/top-k.ts';
import type { Snapshot } from '../../ports/search-index.ts';
import { UNDATED } from './days.ts';
import type { DocSignals, DocTable } from './doc-table.ts';
import type { IndexDelta } from './index-delta.ts';
import type { LexicalSide } from './lexical-side.ts';
import type { IndexView } from './search-engine.ts';
import type { VectorHit, VectorSide } from './vector-side.ts';

/** The signals a generation stores (0 when unknown) as the engine shows them (null when unknown). */
function fromStored(s: { hfUpvotes: number; githubStars: number; localVotes: number }): DocSignals {
  return { hfUpvotes: s.hfUpvotes || null, githubStars: s.githubStars || null, localVotes: s.localVotes };
}

/** The document table of a generation with this process's delta over it. */
class LayeredDocTable implements DocTable {
  constructor(private readonly snapshot: Snapshot, private readonly delta: IndexDelta) {}

  get size(): number {
    return this.snapshot.size + this.delta.index.size;
  }

  has(seq: number): boolean {
    return this.delta.index.docs.has(seq) || this.snapshot.has(seq);
  }

  id(seq: number): string | undefined {
    return this.delta.index.docs.id(seq) ?? this.snapshot.meta(seq)?.id;
  }

  seqOf(id: string): number | undefined {
    return this.delta.index.docs.seqOf(id) ?? this.snapshot.seqOf(id);
  }

  day(seq: number): number {
    const entry = this.delta.index.docs.entry(seq);
    return entry ? entry.day : this.snapshot.day(seq);
  }

  categories(seq: number): readonly string[] {
    const entry = this.delta.index.docs.entry(seq);
    return entry ? entry.categories : (this.snapshot.meta(seq)?.categories ?? []);
  }

  signals(seq: number): DocSignals {
    const entry = this.delta.index.docs.entry(seq);
    if (entry) return entry.signals;
    return this.delta.overlay.get(seq) ?? fromStored(this.snapshot.signals(seq));
  }

  datedBetween(fromDay: number, toDay: number): number[] {
    const disk = this.snapshot.byDay(Math.max(fromDay, -0x80000000), Math.min(toDay, 0x7fffffff));
    const mem = this.delta.index.docs.datedBetween(fromDay, toDay);
    if (mem.length === 0) return Array.from(disk);
    const out: number[] = new Array<number>(disk.length + mem.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < disk.length || j < mem.length) {
      const a = disk[i];
      const b = mem[j];
      if (b === undefined || (a !== undefined && (this.snapshot.day(a) < this.day(b) || (this.snapshot.day(a) === this.day(b) && a < b)))) {
        out[k++] = a!;
        i++;
      } else {
        out[k++] = b;
        j++;
      }
    }
    return out;
  }

  latestDay(onOrBefore: number): number {
    const disk = this.snapshot.latestDay(onOrBefore);
    const mem = this.delta.index.docs.latestDay(onOrBefore);
    return disk === UNDATED ? mem : mem === UNDATED ? disk : Math.max(disk, mem);
  }
}

/** The vectors of a generation with the delta's beside them. */
class LayeredVectors implements VectorSide {
  constructor(private readonly snapshot: Snapshot, private readonly delta: IndexDelta) {}

  get size(): number {
    return this.delta.vectorCount;
  }

  vector(seq: number): Float32Array | null {
    return this.delta.vector(seq);
  }

  score(query: Float32Array, seq: number): number | null {
    return this.delta.vectorScore(query, seq);
  }

  nearest(query: Float32Array, k: number, filter: (seq: number) => boolean): VectorHit[] {
    const disk = this.snapshot.nearest(query, k, filter).map((h) => ({ docId: h.seq, score: h.score }));
    const mem = this.delta.vectors?.nearest(query, k, filter) ?? [];
    return mem.length === 0 ? disk : topK([...disk, ...mem], k);
  }
}

/**
 * What a search reads: a generation plus this process's delta. The lexical side scores every
 * segment and the delta with the same global statistics and merges their top k (the snapshot does).
 */
export function layeredView(snapshot: Snapshot, delta: IndexDelta, withVectors: boolean): IndexView {
  const docs = new LayeredDocTable(snapshot, delta);
  const extra = [delta.index.lexical];
  const lexical: LexicalSide = {
    search: (query, options) => snapshot.search(query, { ...options, extra }),
    contains: (seq, clause) => (delta.index.docs.has(seq) ? delta.index.lexical.contains(seq, clause) : snapshot.contains(seq, clause)),
  };
  return {
    docs,
    lexical,
    hold: () => {
      snapshot.retain();
      return () => snapshot.close();
    },
    vectors: withVectors ? new LayeredVectors(snapshot, delta) : null,
    setLocalVotes: (seq, votes) => {
      const entry = delta.index.docs.entry(seq);
      if (entry) entry.signals = { ...entry.signals, localVotes: votes };
      else if (snapshot.has(seq)) delta.overlay.set(seq, { ...docs.signals(seq), localVotes: votes });
    },
  };
}
