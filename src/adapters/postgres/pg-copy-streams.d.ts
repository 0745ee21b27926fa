// The part of pg-copy-streams (7.x, CommonJS, no types of its own) that copy-in.ts uses.
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Submittable } from 'pg';

  /** A COPY ... FROM STDIN query: submitted with client.query, fed by writing, done at 'finish'. */
  export interface CopyStreamQuery extends Writable, Submittable {
    /** Rows the server reported copied (after 'finish'). */
    rowCount: number;
  }
  export function from(text: string): CopyStreamQuery;
}
