import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';

type UsearchModule = typeof Usearch;
// usearch's ESM entry cannot find its prebuilt binary; its CommonJS entry can (see usearch-ann.ts).
const usearch = createRequire(import.meta.url)('usearch') as UsearchModule;

/** The HNSW graph of a vector segment: inner product on unit vectors, f16, M 16, expansion 128 / 400. */
export function newGraph(dims: number): Usearch.Index {
  return new usearch.Index({
    dimensions: dims,
    metric: 'ip' as UsearchModule['MetricKind']['IP'],
    quantization: 'f16' as UsearchModule['ScalarKind']['F16'],
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 400,
    multi: false,
  });
}
