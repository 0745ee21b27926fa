/** Shared by the index-files tests and their child writer: deterministic papers, batches and folders. */
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { LexicalIndex } from '../src/core/search/lexical-index.ts';
import type { IndexDoc, OpenExpectation, WriteBatch } from '../src/ports/search-index.ts';
import { FIELDS, random, VOCAB } from './unit/segment-helpers.ts';

export const split = (text: string, emit: (term: string) => void) => text.split(/[\s;]+/).filter(Boolean).forEach((w) => emit(w));
export const EXPECT: OpenExpectation = { model: 'test-model', dims: 8, storeLastChangeSeq: 1_000_000 };

export function directory(dir: string, options: { maxSegments?: number; graphAbove?: number; segmentDocs?: number; analyze?: boolean; buildThreads?: number; singleSegmentBelow?: number; fullCheckBytes?: number } = {}): FileIndexDirectory {
  return new FileIndexDirectory({
    dir,
    fields: FIELDS,
    k1: 1.2,
    ...(options.analyze === false ? {} : { analyze: split }),
    buildThreads: options.buildThreads ?? 1,
    ...(options.maxSegments ? { maxSegments: options.maxSegments } : {}),
    ...(options.graphAbove !== undefined ? { graphAbove: options.graphAbove } : {}),
    ...(options.segmentDocs ? { segmentDocs: options.segmentDocs } : {}),
    ...(options.fullCheckBytes !== undefined ? { fullCheckBytes: options.fullCheckBytes } : {}),
    ...(options.singleSegmentBelow !== undefined ? { singleSegmentBelow: options.singleSegmentBelow } : {}),
  });
}

export function randomPapers(rand: () => number, count: number, firstSeq = 1): IndexDoc[] {
  const word = () => VOCAB[Math.min(VOCAB.length - 1, Math.floor(1 / (rand() + 0.02)) - 1)]!;
  const text = (n: number) => Array.from({ length: n }, word).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + i,
    id: `2401.${String(firstSeq + i).padStart(5, '0')}`,
    title: text(2 + Math.floor(rand() * 6)),
    abstract: text(5 + Math.floor(rand() * 30)),
    authors: [word()],
    categories: rand() < 0.5 ? ['cs.LG'] : ['math.CO'],
    date: `2024-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`,
    signals: { hfUpvotes: Math.floor(rand() * 5), githubStars: 0, localVotes: 0 },
  }));
}

export function lexicalOf(docs: Iterable<IndexDoc>): LexicalIndex {
  const index = new LexicalIndex({ fields: FIELDS, k1: 1.2, analyze: split });
  for (const d of docs) index.add(d.seq, { title: d.title, abstract: d.abstract, authors: d.authors.join(' ; ') });
  return index;
}

export async function* iterate<T>(items: Iterable<T>): AsyncIterable<T> {
  yield* items;
}

export function unitVector(rand: () => number, dims = 8): Float32Array {
  const v = Float32Array.from({ length: dims }, () => rand() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Write batch number k (1, 2, ...) of the crash test: replacements, a removal, signals, vectors. */
export function crashBatch(k: number): WriteBatch {
  const rand = random(1000 + k);
  const docs = randomPapers(rand, 15, 1 + ((k * 7) % 90));
  return {
    docs,
    removed: [1 + ((k * 13) % 120)],
    signals: [{ seq: 1 + (k % 40), hfUpvotes: k, githubStars: 0, localVotes: 1 }],
    vectors: { set: docs.slice(0, 5).map((d) => ({ seq: d.seq, vector: unitVector(rand) })), removed: [] },
    feedSeq: k,
    vectorFeedSeq: k,
  };
}

/** The papers, signals and vectors live after batches 1..k. */
export function crashState(k: number): { docs: Map<number, IndexDoc>; hf: Map<number, number>; vectors: Map<number, Float32Array> } {
  const docs = new Map<number, IndexDoc>();
  const hf = new Map<number, number>();
  const vectors = new Map<number, Float32Array>();
  for (let b = 1; b <= k; b++) {
    const batch = crashBatch(b);
    for (const d of batch.docs) {
      docs.set(d.seq, d);
      hf.set(d.seq, d.signals?.hfUpvotes ?? 0);
    }
    for (const v of batch.vectors?.set ?? []) vectors.set(v.seq, v.vector);
    // A removed seq goes with its vector, also one set in the same batch (ports/search-index.ts, WriteBatch).
    for (const seq of batch.removed) {
      docs.delete(seq);
      vectors.delete(seq);
    }
    for (const s of batch.signals ?? []) hf.set(s.seq, s.hfUpvotes);
  }
  return { docs, hf, vectors };
}
