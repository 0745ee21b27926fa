import type { PoolClient } from './database.ts';

/** Hands out the next change_seq values; valid only inside the transaction that took the counter. */
export type NextChangeSeq = () => number;

/**
 * The change counter: the one row of `change_counter`. PostgreSQL runs writers concurrently, so the
 * order in which change_seq values are drawn is not by itself the order of commits (a SEQUENCE would
 * hand 7 to a transaction that commits after the one holding 8, and a reader at 8 would skip 7 for
 * good). A writing transaction therefore locks the counter row first (SELECT ... FOR UPDATE) and
 * holds the lock until it commits or rolls back: writers of the feed commit one after another,
 * each with values above every committed one, so change_seq order is commit order and a reader that
 * applied everything up to S never misses a later commit. (An advisory transaction lock would do the
 * same; the row also stores the last value and the store id, so the lock comes with it.)
 *
 * Taking the lock before the transaction reads anything also serialises concurrent batches that
 * touch the same papers: each merges against what the previous one committed (no lost update under
 * READ COMMITTED). The cost: feed writers do not overlap; they are short (one batch or one vote).
 *
 * A transaction gets a contiguous block of values, one per row written, counted in memory and
 * stored once by {@link TakenCounter.store}.
 */
export interface TakenCounter {
  next: NextChangeSeq;
  /** Writes the last value handed out back to the row (nothing when none was). */
  store(): Promise<void>;
}

/** Locks the counter row for the rest of `client`'s transaction and returns a source of change_seqs. */
export async function takeChangeCounter(client: PoolClient): Promise<TakenCounter> {
  const { rows } = await client.query<{ last_seq: number }>({
    name: 'change-counter-lock',
    text: 'SELECT last_seq FROM change_counter WHERE id = 1 FOR UPDATE',
  });
  const first = rows[0]?.last_seq;
  if (first === undefined) throw new Error('change_counter has no row: the PostgreSQL schema is incomplete (migration 1)');
  let last = first;
  return {
    next: () => ++last,
    async store() {
      if (last !== first) await client.query({ name: 'change-counter-store', text: 'UPDATE change_counter SET last_seq = $1 WHERE id = 1', values: [last] });
    },
  };
}
