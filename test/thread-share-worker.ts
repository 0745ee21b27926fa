/**
 * A worker thread of test/thread-share.test.ts: opens an index folder as a `serve` worker thread
 * does (sharing on, read-ahead), searches, reports what it read itself and what it took from its
 * sibling, then stays until told to exit (so that a sibling started later can ask it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FileSnapshot } from '../src/adapters/index-files/file-snapshot.ts';
import { FileIndexDirectory } from '../src/adapters/index-files/index-directory.ts';
import { shareWithSiblingThreads, threadShare } from '../src/adapters/index-files/thread-share.ts';
import type { LexicalQuery } from '../src/ports/search-index.ts';
import { EXPECT, split } from './index-files-helpers.ts';
import { FIELDS } from './unit/segment-helpers.ts';

const { path, waitForFiles, queries, index } = workerData as { path: string; waitForFiles: number; queries: LexicalQuery[]; index: number };
shareWithSiblingThreads(index);
// The answers to this thread's hello arrive in the background: wait for the files the sibling holds.
for (const deadline = Date.now() + 20_000; threadShare().stats().filesHeld < waitForFiles && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
const dir = new FileIndexDirectory({ dir: path, fields: FIELDS, k1: 1.2, analyze: split, buildThreads: 1, warmPostings: true, postingsCacheBytes: 8 << 20 });
const snapshot = (await dir.open(EXPECT)) as FileSnapshot;
const vectorsLoadedAtOpen = snapshot.vectorSegments.map((v) => v.loaded);
await dir.readAhead();
const results = queries.map((q) => snapshot.search(q, { limit: 10 }));
const cache = dir.postingsCache!;
parentPort!.postMessage({
  share: threadShare().stats(),
  vectorsLoadedAtOpen,
  vectorsLoaded: snapshot.vectorSegments.map((v) => v.loaded),
  cache: { bytes: cache.bytes, stored: cache.stored, adopted: cache.adopted },
  results,
});
parentPort!.once('message', () => {
  snapshot.close();
  process.exit(0);
});
