import { closeSync, fstatSync } from 'node:fs';
import type { SegmentSchema } from '../../core/search/segment/segment-builder.ts';
import { SegmentScratch } from '../../core/search/segment/segment-reader.ts';
import { ScoringScratch } from '../../core/search/segment/scorer.ts';
import { VectorSegmentReader, VectorSegments } from '../vector/vector-files.ts';
import { crcOfFd, readWholeFd, type FileRecord } from './file-io.ts';
import { FileSnapshot } from './file-snapshot.ts';
import type { Manifest } from './manifest.ts';
import { IndexFileError, openRecorded, openSegment } from './segment-files.ts';
import { SignalsReader } from './signals-file.ts';

/**
 * Files this process already verified: path -> identity (inode, size, mtime) and crc. A file is
 * immutable once named by a manifest, so a second open of the same file skips the full read.
 */
const verified = new Map<string, string>();

export function verifyFile(dir: string, fd: number, record: FileRecord): void {
  const stat = fstatSync(fd);
  const path = `${dir}/${record.file}`;
  const identity = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${record.crc32}`;
  if (verified.get(path) === identity) return;
  const crc = crcOfFd(fd, stat.size);
  if (crc !== record.crc32) throw new IndexFileError(`${record.file} is corrupt (crc32 ${crc.toString(16)}, the manifest says ${record.crc32.toString(16)})`);
  if (verified.size > 10_000) verified.clear();
  verified.set(path, identity);
}

/** Records a file this process just wrote as verified (its crc was computed while writing). */
export function markVerified(dir: string, record: FileRecord, fd: number): void {
  const stat = fstatSync(fd);
  verified.set(`${dir}/${record.file}`, `${stat.ino}:${stat.size}:${stat.mtimeMs}:${record.crc32}`);
}

/**
 * Opens every file of a generation, checking sizes and checksums. Throws (ENOENT, IndexFileError,
 * SegmentFormatError) when anything is missing or corrupt; the caller turns that into a rebuild.
 * Vectors are opened only when `withVectors` (the manifest's model is the configured one).
 */
export function openGeneration(dir: string, manifest: Manifest, schema: SegmentSchema, withVectors: boolean): FileSnapshot {
  const fds: number[] = [];
  const vectorReaders: VectorSegmentReader[] = [];
  try {
    const scratch = new SegmentScratch(new ScoringScratch());
    const segments = manifest.segments.map((entry) => {
      const reader = openSegment(dir, entry, schema, scratch, fds, (fd, record) => verifyFile(dir, fd, record));
      if (reader.docTable.count !== entry.docs) throw new IndexFileError(`${entry.name} holds ${reader.docTable.count} documents, the manifest says ${entry.docs}`);
      return reader;
    });
    const open = (record: FileRecord) => {
      const fd = openRecorded(dir, record);
      fds.push(fd);
      verifyFile(dir, fd, record);
      return fd;
    };
    let signals: SignalsReader | null = null;
    if (manifest.signals) signals = new SignalsReader(open(manifest.signals), manifest.signals.file, manifest.signals.bytes);
    if (withVectors) {
      for (const v of manifest.vectorSegments) {
        const seqs = readWholeFd(open(v.seqs));
        const rowsFd = open(v.rows);
        if (v.graph) {
          // The graph is memory-mapped by usearch (`view`), not read through an fd of ours.
          const fd = openRecorded(dir, v.graph);
          try {
            verifyFile(dir, fd, v.graph);
          } finally {
            closeSync(fd);
          }
        }
        const deletes = v.deletes ? readWholeFd(open(v.deletes)) : null;
        vectorReaders.push(new VectorSegmentReader(v.name, manifest.dims, seqs, rowsFd, v.rows, v.graph ? `${dir}/${v.graph.file}` : null, deletes));
      }
    }
    return new FileSnapshot(manifest, segments, signals, new VectorSegments(vectorReaders, manifest.dims), fds);
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
