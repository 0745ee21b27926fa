import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from '@node-rs/crc32';
import type { ReadAt } from '../../core/search/segment/segment-reader.ts';
import { threadShare } from './thread-share.ts';

/** Size and crc32 of a file the index wrote, as the manifest records them. */
export interface FileRecord {
  file: string;
  bytes: number;
  crc32: number;
  /** Modification time right after writing: a large file whose size and mtime still match is not re-read at open. */
  mtimeMs?: number;
}

/** A file written once: chunks appended, crc32 computed on the way, fsynced on `finish`. */
export class FileSink {
  private readonly fd: number;
  private crc = 0;
  private bytes = 0;
  constructor(private readonly path: string, private readonly file: string) {
    // Exclusive: a generation's files are new names; a leftover of a crashed writer was removed first.
    this.fd = openSync(path, 'wx');
  }
  write(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) at += writeSync(this.fd, chunk, at, chunk.byteLength - at);
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.byteLength;
  }
  finish(): FileRecord {
    fsyncSync(this.fd);
    const mtimeMs = fstatSync(this.fd).mtimeMs;
    closeSync(this.fd);
    return { file: this.file, bytes: this.bytes, crc32: this.crc >>> 0, mtimeMs };
  }
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** Writes a whole file and fsyncs it. */
export function writeFileSynced(dir: string, file: string, ...chunks: Uint8Array[]): FileRecord {
  const sink = new FileSink(`${dir}/${file}`, file);
  try {
    for (const chunk of chunks) sink.write(chunk);
  } catch (error) {
    sink.abandon();
    throw error;
  }
  return sink.finish();
}

/** Makes renames and new names in a directory durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads an open file whole into a fresh (8-byte aligned) buffer. */
export function readWholeFd(fd: number): Uint8Array {
  const size = fstatSync(fd).size;
  return readInto(fd, new Uint8Array(size), size);
}

/**
 * An immutable index file read whole, shared with the sibling threads of a `serve` with several
 * workers (thread-share.ts): `key` names its content (path, size, checksum).
 */
export function readWholeShared(fd: number, path: string, record: FileRecord): Uint8Array {
  const size = fstatSync(fd).size;
  return threadShare().file(`${path}\u0000${record.bytes}\u0000${record.crc32}`, path, size, (into) => readInto(fd, into, size));
}

function readInto(fd: number, out: Uint8Array, size: number): Uint8Array {
  let at = 0;
  while (at < size) {
    const n = readSync(fd, out, at, size - at, at);
    if (n === 0) throw new Error(`file shorter than its size (${at} of ${size} bytes)`);
    at += n;
  }
  return out;
}

/** crc32 of an open file, read in 4 MiB chunks. */
export function crcOfFd(fd: number, size: number, scratch = new Uint8Array(4 << 20)): number {
  let crc = 0;
  for (let at = 0; at < size; ) {
    const n = readSync(fd, scratch, 0, Math.min(scratch.length, size - at), at);
    if (n === 0) break;
    crc = crc32(scratch.subarray(0, n), crc);
    at += n;
  }
  return crc >>> 0;
}

/** Shared by the readers of one snapshot: once closed, their descriptors may be reused by other files. */
export interface ReadGuard {
  closed: boolean;
}

/** Positional reads of an open file: what a segment reads its postings with. */
export function positionalReader(fd: number, name: string, size: number, guard?: ReadGuard): ReadAt {
  return (position, length, into) => {
    if (guard?.closed) throw new Error(`index file ${name}: read after its snapshot was closed`);
    if (position < 0 || position + length > size) throw new Error(`index file ${name}: read of ${length} bytes at ${position} past its end (${size} bytes)`);
    let at = 0;
    while (at < length) {
      const n = readSync(fd, into, at, length - at, position + at);
      if (n === 0) throw new Error(`index file ${name}: unexpected end at ${position + at}`);
      at += n;
    }
    return into.subarray(0, length);
  };
}
