import type { DocSignals } from '../../ports/search-index.ts';
import { positionalReader, readWholeFd, writeFileSynced, type FileRecord } from './file-io.ts';

/**
 * Signals of a generation: Float32 x 3 (hfUpvotes, githubStars, localVotes) per seq, row = seq.
 * Rewritten whole by a write whose batch changes signals; text files are never touched for them.
 */
const ROW = 12;

export const ZERO_SIGNALS: DocSignals = Object.freeze({ hfUpvotes: 0, githubStars: 0, localVotes: 0 });

export function writeSignalsFile(dir: string, file: string, previousFd: number | null, changes: readonly ({ seq: number } & DocSignals)[]): FileRecord {
  const previous = previousFd === null ? new Uint8Array(0) : readWholeFd(previousFd);
  let rows = previous.byteLength / ROW;
  for (const c of changes) rows = Math.max(rows, c.seq + 1);
  const out = new Float32Array(rows * 3);
  new Uint8Array(out.buffer).set(previous);
  for (const c of changes) {
    out[c.seq * 3] = c.hfUpvotes;
    out[c.seq * 3 + 1] = c.githubStars;
    out[c.seq * 3 + 2] = c.localVotes;
  }
  return writeFileSynced(dir, file, new Uint8Array(out.buffer));
}

/** Reads one seq's signals by a positional read. */
export class SignalsReader {
  private readonly read;
  private readonly cell = new Uint8Array(ROW);
  private readonly view = new Float32Array(this.cell.buffer);
  constructor(readonly fd: number, file: string, private readonly bytes: number) {
    this.read = positionalReader(fd, file, bytes);
  }
  get(seq: number): DocSignals {
    if (seq < 0 || (seq + 1) * ROW > this.bytes) return ZERO_SIGNALS;
    this.read(seq * ROW, ROW, this.cell);
    return { hfUpvotes: this.view[0]!, githubStars: this.view[1]!, localVotes: this.view[2]! };
  }
}
