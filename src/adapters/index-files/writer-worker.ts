/**
 * Worker thread of the threaded index writer (writer-thread.ts): holds its own FileIndexDirectory on
 * the same folder and runs the writes and merges it is sent, so that building a segment, merging,
 * and building a vector segment's HNSW graph never hold the serving thread. Replies with the outcome;
 * errors keep their name and code (IndexLockedError, IndexLockLostError), so callers can tell them apart.
 */
import { parentPort } from 'node:worker_threads';
import type { OpenExpectation, WriteBatch } from '../../ports/search-index.ts';
import type { IndexDirectoryOptions } from './index-directory-options.ts';
import { FileIndexDirectory } from './index-directory.ts';

/** What crosses to the thread: the directory's options that are plain data. */
export type WriterSpec = Pick<IndexDirectoryOptions, 'dir' | 'fields' | 'k1' | 'segmentDocs' | 'buildThreads' | 'singleSegmentBelow' | 'maxSegments' | 'graphAbove' | 'fullCheckBytes'>;

export type WriterRequest =
  | { id: number; op: 'write'; spec: WriterSpec; batch: WriteBatch; expect: OpenExpectation }
  | { id: number; op: 'merge'; spec: WriterSpec; expect: OpenExpectation };

export type WriterReply =
  | { id: number; done: { merged: boolean } }
  | { id: number; error: { name: string; code?: string; message: string } }
  | { log: { level: 'info' | 'warn' | 'error'; event: string; fields: Record<string, unknown> } };

let directory: { key: string; dir: FileIndexDirectory } | null = null;

function directoryFor(spec: WriterSpec): FileIndexDirectory {
  const key = JSON.stringify(spec);
  if (directory?.key !== key) {
    const forward = (level: 'info' | 'warn' | 'error') => (event: string, fields: Record<string, unknown> = {}) => parentPort!.postMessage({ log: { level, event, fields } } satisfies WriterReply);
    const logger = { debug() {}, info: forward('info'), warn: forward('warn'), error: forward('error') };
    // No postings cache: this thread never searches.
    directory = { key, dir: new FileIndexDirectory({ ...spec, logger, postingsCacheBytes: 0 }) };
  }
  return directory.dir;
}

parentPort?.on('message', (request: WriterRequest) => {
  void (async () => {
    try {
      const dir = directoryFor(request.spec);
      if (request.op === 'write') {
        (await dir.write(request.batch, request.expect)).close();
        parentPort!.postMessage({ id: request.id, done: { merged: true } } satisfies WriterReply);
      } else {
        const merged = await dir.merge(request.expect);
        merged?.close();
        parentPort!.postMessage({ id: request.id, done: { merged: merged !== null } } satisfies WriterReply);
      }
    } catch (error) {
      const e = error as Error & { code?: string };
      parentPort!.postMessage({ id: request.id, error: { name: e.name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message: e.message } } satisfies WriterReply);
    }
  })();
});
