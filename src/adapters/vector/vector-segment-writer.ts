import { closeSync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { crcOfFd, FileSink, positionalReader, writeFileSynced, type FileRecord } from '../index-files/file-io.ts';
import { newGraph } from './vector-graph.ts';

/** Writing a vector segment's files (their layout: vector-files.ts). */

export interface VectorSegmentFiles {
  name: string;
  count: number;
  deleted: number;
  seqs: FileRecord;
  rows: FileRecord;
  graph: FileRecord | null;
  /** Rows dead on arrival (a seq given twice: the last one counts). */
  deadRows: Uint8Array | null;
}

/** Writes a vector segment from items in any order; the last vector of a seq wins. */
export async function writeVectorSegment(dir: string, name: string, dims: number, items: AsyncIterable<{ seq: number; vector: Float32Array }> | Iterable<{ seq: number; vector: Float32Array }>, graphAbove: number): Promise<VectorSegmentFiles> {
  const rows = new FileSink(`${dir}/${name}.f32`, `${name}.f32`);
  let rowSeq = new Int32Array(1024);
  let n = 0;
  try {
    for await (const { seq, vector } of items) {
      if (vector.length !== dims) throw new Error(`vector of seq ${seq} has ${vector.length} dimensions, the index has ${dims}`);
      if (n === rowSeq.length) {
        const grown = new Int32Array(n * 2);
        grown.set(rowSeq);
        rowSeq = grown;
      }
      rowSeq[n++] = seq;
      rows.write(new Uint8Array(vector.buffer, vector.byteOffset, dims * 4));
    }
  } catch (error) {
    rows.abandon();
    throw error;
  }
  const rowsRecord = rows.finish();
  // Live rows: the last row of each seq, ordered by seq.
  const lastRow = new Map<number, number>();
  for (let r = 0; r < n; r++) lastRow.set(rowSeq[r]!, r);
  const order = Int32Array.from(lastRow.values()).sort((a, b) => rowSeq[a]! - rowSeq[b]!);
  let deadRows: Uint8Array | null = null;
  if (order.length < n) {
    deadRows = new Uint8Array((n + 7) >> 3).fill(0xff);
    for (const r of order) deadRows[r >> 3]! &= ~(1 << (r & 7));
    for (let r = n; r < deadRows.length * 8; r++) deadRows[r >> 3]! &= ~(1 << (r & 7));
  }
  const seqsRecord = writeFileSynced(dir, `${name}.seqs`, new Uint8Array(rowSeq.buffer, 0, n * 4), new Uint8Array(order.buffer));
  let graph: FileRecord | null = null;
  if (order.length > graphAbove) graph = writeGraph(dir, name, dims, rowsRecord, order);
  return { name, count: n, deleted: n - order.length, seqs: seqsRecord, rows: rowsRecord, graph, deadRows };
}


function writeGraph(dir: string, name: string, dims: number, rows: FileRecord, liveRows: Int32Array): FileRecord {
  const index = newGraph(dims);
  const fd = openSync(`${dir}/${rows.file}`, 'r');
  try {
    const read = positionalReader(fd, rows.file, rows.bytes);
    const batch = 8192;
    const block = new Uint8Array(batch * dims * 4);
    const sorted = Int32Array.from(liveRows).sort();
    for (let i = 0; i < sorted.length; ) {
      // Consecutive live rows are read in one go.
      let j = i + 1;
      while (j < sorted.length && j - i < batch && sorted[j] === sorted[j - 1]! + 1) j++;
      const count = j - i;
      const bytes = read(sorted[i]! * dims * 4, count * dims * 4, block);
      const keys = new BigUint64Array(count);
      for (let k = 0; k < count; k++) keys[k] = BigInt(sorted[i]! + k);
      index.add(keys, new Float32Array(bytes.buffer, 0, count * dims).slice(), 2);
      i = j;
    }
  } finally {
    closeSync(fd);
  }
  const file = `${name}.hnsw`;
  index.save(`${dir}/${file}`);
  const out = openSync(`${dir}/${file}`, 'r+');
  try {
    fsyncSync(out);
    const { size, mtimeMs } = fstatSync(out);
    return { file, bytes: size, crc32: crcOfFd(out, size), mtimeMs };
  } finally {
    closeSync(out);
  }
}
