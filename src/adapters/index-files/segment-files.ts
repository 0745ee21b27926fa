import { closeSync, fstatSync, openSync } from 'node:fs';
import type { BaseStats, BuiltSegment, SegmentDoc, SegmentSchema } from '../../core/search/segment/segment-builder.ts';
import { buildSegment } from '../../core/search/segment/segment-builder.ts';
import { SegmentReader } from '../../core/search/segment/segment-reader.ts';
import type { SegmentScratch } from '../../core/search/segment/segment-scratch.ts';
import { FileSink, positionalReader, readWholeShared, writeFileSynced, type FileRecord, type ReadGuard } from './file-io.ts';
import type { SegmentEntry } from './manifest.ts';

/** Builds a segment and writes its three files (postings streamed, every file fsynced). */
export function writeSegmentFiles(dir: string, name: string, produce: (sink: (chunk: Uint8Array) => void) => BuiltSegment): SegmentEntry {
  const postings = new FileSink(`${dir}/${name}.post`, `${name}.post`);
  let built: BuiltSegment;
  try {
    built = produce((chunk) => postings.write(chunk));
  } catch (error) {
    postings.abandon();
    throw error;
  }
  const postingsRecord = postings.finish();
  return {
    name,
    docs: built.docs,
    deleted: 0,
    docTable: writeFileSynced(dir, `${name}.docs`, built.docTable),
    terms: writeFileSynced(dir, `${name}.terms`, built.terms),
    postings: postingsRecord,
    deletes: null,
  };
}

export function buildSegmentFiles(dir: string, name: string, docs: readonly SegmentDoc[], schema: SegmentSchema, base?: BaseStats): SegmentEntry {
  return writeSegmentFiles(dir, name, (sink) => buildSegment(docs, schema, sink, base));
}

/** Opens a file the manifest names, checking its size; the caller closes the fd. */
export function openRecorded(dir: string, record: FileRecord): number {
  const fd = openSync(`${dir}/${record.file}`, 'r');
  const size = fstatSync(fd).size;
  if (size !== record.bytes) {
    closeSync(fd);
    throw new IndexFileError(`${record.file} has ${size} bytes, the manifest says ${record.bytes}`);
  }
  return fd;
}

/** A file of the index is missing, truncated or corrupt. */
export class IndexFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexFileError';
  }
}

/** Opens a segment for search: doc table and dictionary read whole (shared by the threads of a `serve`), postings kept open for positional reads. */
export function openSegment(dir: string, entry: SegmentEntry, schema: SegmentSchema, scratch: SegmentScratch, fds: number[], verify: (fd: number, record: FileRecord) => void, guard?: ReadGuard): SegmentReader {
  const read = (record: FileRecord) => {
    const fd = openRecorded(dir, record);
    fds.push(fd);
    verify(fd, record);
    return fd;
  };
  const whole = (record: FileRecord) => readWholeShared(read(record), `${dir}/${record.file}`, record);
  const docTable = whole(entry.docTable);
  const terms = whole(entry.terms);
  const postingsFd = read(entry.postings);
  const deletes = entry.deletes ? whole(entry.deletes) : null;
  return new SegmentReader(entry.name, docTable, terms, positionalReader(postingsFd, entry.postings.file, entry.postings.bytes, guard), schema.fields, schema.k1, scratch, deletes, `${entry.name}:${entry.postings.crc32}:${entry.postings.bytes}`);
}
