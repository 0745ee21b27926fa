import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from './database.ts';

/**
 * COPY ... FROM STDIN in PostgreSQL's text format: the bulk path of the batch writer
 * (paper-batch.ts). The server parses a tab-separated line far faster than json_to_recordset
 * parses a JSON document, and COPY inserts heap tuples a page at a time (fewer WAL records).
 * Fields: `\N` is NULL; in a value, backslash, tab, newline and carriage return are escaped, so
 * no value can end a row early or read as the end-of-data marker `\.`.
 */

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text value as a COPY field (null as `\N`). */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

/** A number (integer or bigint column) as a COPY field. */
export const copyNumber = (value: number | null | undefined): string => (value === null || value === undefined ? '\\N' : String(value));

export const copyBoolean = (value: boolean): string => (value ? 't' : 'f');

/** A value for a json or jsonb column. */
export const copyJson = (value: unknown): string => copyText(JSON.stringify(value));

/** One row: its fields, already encoded by the functions above. */
export const copyRow = (fields: readonly string[]): string => `${fields.join('\t')}\n`;

/** Characters sent per CopyData message: the server parses one while the next is being built. */
const CHUNK_CHARS = 256 * 1024;

/**
 * Streams `rows` (lines from {@link copyRow}) into `COPY <target> FROM STDIN` on `client`, inside
 * the caller's transaction. The rows are encoded lazily, a chunk at a time, so the client builds a
 * chunk while the server inserts the one before. Rejects with the server's error (a constraint
 * violated, a malformed field); the caller's transaction is then aborted and rolls back.
 */
export async function copyIn(client: PoolClient, target: string, rows: Iterable<string>): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
  let failure: Error | undefined;
  // pg reports a server error once, as 'error', and the stream then writes no more.
  const done = new Promise<void>((resolve) => {
    stream.on('error', (error: Error) => {
      failure ??= error;
      resolve();
    });
    stream.on('finish', () => resolve());
  });
  const drained = () => new Promise<void>((resolve) => {
    const go = () => {
      stream.off('drain', go);
      stream.off('error', go);
      resolve();
    };
    stream.on('drain', go);
    stream.on('error', go);
  });
  try {
    let chunk = '';
    for (const row of rows) {
      chunk += row;
      if (chunk.length < CHUNK_CHARS) continue;
      const more = stream.write(chunk);
      chunk = '';
      if (!more) await drained();
      if (failure) throw failure;
    }
    if (chunk) stream.write(chunk);
    stream.end();
  } catch (error) {
    // An error on our side (building a row) while the server is in COPY mode: without CopyFail the
    // connection would wait for rows for ever, and the caller's ROLLBACK with it. Destroying the
    // stream sends CopyFail; the server answers with an error and the connection is usable again.
    if (!failure) stream.destroy(error as Error);
    await done;
    throw error;
  }
  await done;
  if (failure) throw failure;
  return stream.rowCount;
}
