import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { PaperboyError } from '../../core/errors.ts';

/** A file opened for streaming: decompressed chunks, the first bytes for detection, and progress. */
export interface ByteInput {
  path: string;
  gzip: boolean;
  /** The first decompressed bytes (up to 64 KiB), also the start of `chunks`. */
  head: Buffer;
  chunks: AsyncIterable<Buffer>;
  progress(): { bytesRead: number; totalBytes: number };
}

const HEAD_BYTES = 64 * 1024;

/**
 * Opens a file, gunzipping it on the fly when it starts with the gzip magic number. Read errors and
 * truncated gzip data surface from `chunks` as PaperboyError('MALFORMED_INPUT') naming the file.
 */
export async function openByteInput(path: string): Promise<ByteInput> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'ENOENT' ? 'no such file' : error.code === 'EACCES' ? 'permission denied' : error.message;
    throw new PaperboyError('MALFORMED_INPUT', `cannot open ${path}: ${why}`, { path }, { cause: error });
  });
  if (!info.isFile()) throw new PaperboyError('MALFORMED_INPUT', `${path} is not a regular file`, { path });
  const handle = await open(path, 'r');
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0);
  await handle.close();
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;

  let bytesRead = 0;
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  raw.on('data', (chunk) => {
    bytesRead += chunk.length;
  });
  let stream: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    raw.on('error', (error) => gunzip.destroy(error));
    stream = raw.pipe(gunzip);
  }

  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let done = false;
  let pendingError: unknown;
  try {
    while (headLength < HEAD_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      headChunks.push(next.value);
      headLength += next.value.length;
    }
  } catch (error) {
    pendingError = error;
  }

  async function* chunks(): AsyncGenerator<Buffer> {
    yield* headChunks;
    if (pendingError !== undefined) throw translate(pendingError, path);
    if (done) return;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } catch (error) {
      throw translate(error, path);
    } finally {
      stream.destroy();
      raw.destroy();
    }
  }

  return {
    path,
    gzip,
    head: Buffer.concat(headChunks).subarray(0, HEAD_BYTES),
    chunks: chunks(),
    progress: () => ({ bytesRead, totalBytes: info.size }),
  };
}

function translate(error: unknown, path: string): PaperboyError {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') {
    const what = code === 'Z_BUF_ERROR' ? 'is truncated (the gzip stream ends unexpectedly)' : 'holds corrupt gzip data';
    return new PaperboyError('MALFORMED_INPUT', `${path} ${what}`, { path }, { cause: error });
  }
  return new PaperboyError('MALFORMED_INPUT', `cannot read ${path}: ${(error as Error).message}`, { path }, { cause: error });
}
