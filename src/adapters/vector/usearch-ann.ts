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
    expansion_search: options.expansionSearch ?? 128,
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
