import { closeSync, fstatSync } from 'node:fs';
import type { SegmentSchema } from '../../core/search/segment/segment-builder.ts';
import { SegmentScratch } from '../../core/search/segment/segment-scratch.ts';
import type { PostingsCache } from '../../core/search/segment/postings-cache.ts';
import { ScoringScratch } from '../../core/search/segment/scorer.ts';
import { VectorSegmentReader, VectorSegments, type VectorCopies } from '../vector/vector-files.ts';
import { crcOfFd, readWholeShared, type FileRecord } from './file-io.ts';
import { threadShare } from './thread-share.ts';
import { FileSnapshot } from './file-snapshot.ts';
import type { Manifest } from './manifest.ts';
import { IndexFileError, openRecorded, openSegment } from './segment-files.ts';
import { SignalsReader } from './signals-file.ts';

/**
 * Files this process already verified: path -> identity (inode, size, mtime) and crc. A file is
 * immutable once named by a manifest, so a second open of the same file skips the full read.
 */
const verified = new Map<string, string>();

/** Files up to this size are checked in full at every open; larger ones when their mtime changed. */
export const FULL_CHECK_BYTES = 8 << 20;

/**
 * Checks a file against its manifest record. Small files (doc tables, dictionaries, deletes,
 * signals) are read and crc-checked in full. A large file (postings, vector rows, graph) is read in
 * full when its size or modification time differs from the one recorded right after it was written
 * (any write to it changes its mtime), otherwise its size is enough: that keeps opening a large
 * index fast (one process reads gigabytes of postings only when something touched them).
 */
export function verifyFile(dir: string, fd: number, record: FileRecord, fullCheckBytes = FULL_CHECK_BYTES): void {
  const stat = fstatSync(fd);
  const path = `${dir}/${record.file}`;
  const identity = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${record.crc32}`;
  if (verified.get(path) === identity) return;
  const untouched = stat.size > fullCheckBytes && record.mtimeMs !== undefined && stat.mtimeMs === record.mtimeMs && stat.size === record.bytes;
  if (!untouched) {
    const crc = crcOfFd(fd, stat.size);
    if (crc !== record.crc32) throw new IndexFileError(`${record.file} is corrupt (crc32 ${crc.toString(16)}, the manifest says ${record.crc32.toString(16)})`);
  }
  if (verified.size > 10_000) verified.clear();
  verified.set(path, identity);
}

/**
 * Opens every file of a generation, checking sizes and checksums. Throws (ENOENT, IndexFileError,
 * SegmentFormatError) when anything is missing or corrupt; the caller turns that into a rebuild.
 * Vectors are opened only when `withVectors` (the manifest's model is the configured one).
 */
export function openGeneration(dir: string, manifest: Manifest, schema: SegmentSchema, withVectors: boolean, fullCheckBytes = FULL_CHECK_BYTES, postings: PostingsCache | null = null, copies: VectorCopies | null = null): FileSnapshot {
  const fds: number[] = [];
  const vectorReaders: VectorSegmentReader[] = [];
  const guard = { closed: false };
  try {
    const scratch = new SegmentScratch(new ScoringScratch(), postings);
    const segments = manifest.segments.map((entry) => {
      const reader = openSegment(dir, entry, schema, scratch, fds, (fd, record) => verifyFile(dir, fd, record, fullCheckBytes), guard);
      if (reader.docTable.count !== entry.docs) throw new IndexFileError(`${entry.name} holds ${reader.docTable.count} documents, the manifest says ${entry.docs}`);
      return reader;
    });
    const open = (record: FileRecord) => {
      const fd = openRecorded(dir, record);
      fds.push(fd);
      verifyFile(dir, fd, record, fullCheckBytes);
      return fd;
    };
    let signals: SignalsReader | null = null;
    if (manifest.signals) signals = new SignalsReader(open(manifest.signals), manifest.signals.file, manifest.signals.bytes, guard);
    if (withVectors) {
      for (const v of manifest.vectorSegments) {
        const seqs = readWholeShared(open(v.seqs), `${dir}/${v.seqs.file}`, v.seqs);
        const rowsFd = open(v.rows);
        if (v.graph) {
          // The graph is memory-mapped by usearch (`view`), not read through an fd of ours.
          const fd = openRecorded(dir, v.graph);
          try {
            verifyFile(dir, fd, v.graph, fullCheckBytes);
          } finally {
            closeSync(fd);
          }
        }
        const deletes = v.deletes ? readWholeShared(open(v.deletes), `${dir}/${v.deletes.file}`, v.deletes) : null;
        const shared = copies ? { copies, key: `${v.name}\u0000${v.rows.bytes}\u0000${v.rows.crc32}` } : null;
        vectorReaders.push(new VectorSegmentReader(v.name, manifest.dims, seqs, rowsFd, v.rows, v.graph ? `${dir}/${v.graph.file}` : null, deletes, guard, shared, v.graph ? `${v.graph.bytes}:${v.graph.crc32}` : null));
      }
      copies?.keepOnly(new Set(manifest.vectorSegments.map((v) => `${v.name}\u0000${v.rows.bytes}\u0000${v.rows.crc32}`)));
    }
    // Files of merged-away segments, once deleted, are no longer held for the sibling threads.
    threadShare().prune();
    return new FileSnapshot(manifest, segments, signals, new VectorSegments(vectorReaders, manifest.dims), fds, guard);
  } catch (error) {
    for (const v of vectorReaders) v.close();
    for (const fd of fds) {
      try {
        closeSync(fd);
      } catch {
        // ignore
      }
    }
    throw error;
  }
}
