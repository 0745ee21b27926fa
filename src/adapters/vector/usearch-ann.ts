import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';
import type { AnnIndex } from '../../ports/ann-index.ts';

// usearch 2.25's ESM entry fails to locate its prebuilt binary (endless directory walk); its CommonJS
// entry works, so it is loaded through require.
type UsearchModule = typeof Usearch;
const usearch = createRequire(import.meta.url)('usearch') as UsearchModule;

export interface UsearchOptions {
  /** Scalar type inside the graph: 'f16' halves memory, 'i8' quarters it; the engine re-ranks in f32. */
  quantization?: 'f32' | 'f16' | 'i8';
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  threads?: number;
}

/** HNSW graph from usearch (prebuilt native module), inner-product metric on normalised vectors. */
export function createUsearchAnn(dims: number, options: UsearchOptions = {}): AnnIndex {
  const index = new usearch.Index({
    dimensions: dims,
    metric: 'ip' as UsearchModule['MetricKind']['IP'],
    quantization: (options.quantization ?? 'f16') as UsearchModule['ScalarKind']['F16'],
    connectivity: options.connectivity ?? 16,
    expansion_add: options.expansionAdd ?? 128,
    expansion_search: options.expansionSearch ?? 400,
    multi: false,
  });
  const threads = options.threads ?? 2;
  return {
    get size() {
      return index.size();
    },
    addMany(docIds, vectors) {
      if (docIds.length === 0) return;
      const keys = new BigUint64Array(docIds.map((id) => BigInt(id)));
      for (const key of keys) if (index.contains(key)) index.remove(key);
      const packed = new Float32Array(vectors.length * dims);
      vectors.forEach((v, i) => packed.set(v, i * dims));
      index.add(keys, packed, threads);
    },
    remove(docId) {
      const key = BigInt(docId);
      if (index.contains(key)) index.remove(key);
    },
    search(query, k) {
      if (index.size() === 0) return [];
      // usearch reads the whole underlying buffer of a view: pass a copy.
      const matches = index.search(Float32Array.from(query), Math.min(k, index.size()), threads);
      return Array.from(matches.keys, (key) => Number(key));
    },
  };
}

/**
 * Brute-force candidates from an int8 copy of the vectors, scanned by usearch's native SIMD
 * `exactSearch` (29 MB per query at 75k x 384). Deterministic, so recall after the engine's float32
 * re-rank is ~1.0, unlike graph indexes on hard distributions (docs/performance.md).
 */
export function createInt8ScanAnn(dims: number, options: { threads?: number } = {}): AnnIndex {
  let data = new Int8Array(0);
  let rowDoc: number[] = [];
  const docRow = new Map<number, number>();
  const pending = new Map<number, Int8Array>();
  const quantise = (v: Float32Array) => {
    const q = new Int8Array(dims);
    for (let d = 0; d < dims; d++) q[d] = Math.max(-127, Math.min(127, Math.round(v[d]! * 127)));
    return q;
  };
  // Adds and removals are applied to the packed array in one pass before the next search.
  let removed = new Set<number>();
  const compact = () => {
    if (pending.size === 0 && removed.size === 0) return;
    const keep = rowDoc.filter((docId) => !removed.has(docId) && !pending.has(docId));
    const next = new Int8Array((keep.length + pending.size) * dims);
    const nextRowDoc: number[] = [];
    for (const docId of keep) {
      const row = docRow.get(docId)!;
      next.set(data.subarray(row * dims, (row + 1) * dims), nextRowDoc.length * dims);
      nextRowDoc.push(docId);
    }
    for (const [docId, q] of pending) {
      next.set(q, nextRowDoc.length * dims);
      nextRowDoc.push(docId);
    }
    data = next;
    rowDoc = nextRowDoc;
    docRow.clear();
    rowDoc.forEach((docId, row) => docRow.set(docId, row));
    pending.clear();
    removed = new Set();
  };
  return {
    get size() {
      return rowDoc.length - removed.size + [...pending.keys()].filter((d) => !docRow.has(d)).length;
    },
    addMany(docIds, vectors) {
      docIds.forEach((docId, i) => {
        pending.set(docId, quantise(vectors[i]!));
        removed.delete(docId);
      });
    },
    remove(docId) {
      pending.delete(docId);
      if (docRow.has(docId)) removed.add(docId);
    },
    search(query, k) {
      compact();
      if (rowDoc.length === 0) return [];
      // `data` is exactly sized and not a view: exactSearch mishandles subarray offsets.
      const matches = usearch.exactSearch(data, quantise(query), dims, Math.min(k, rowDoc.length), 'ip' as UsearchModule['MetricKind']['IP'], options.threads ?? 1) as { keys: BigUint64Array };
      return Array.from(matches.keys, (row) => rowDoc[Number(row)]!);
    },
  };
}
