import type { SqliteDb } from './database.ts';

/** Hands out the next change_seq values; valid only inside the write transaction it was begun in. */
export type NextChangeSeq = () => number;

/**
 * The change counter (migration 8): every write that changes what the search index holds stamps each
 * row it writes with a new `change_seq`, taken from the one-row `change_counter` table inside its own
 * write transaction. SQLite serialises writers and the values are taken while the write lock is held,
 * so change_seq order is commit order: a reader that applied every change up to S never misses a
 * later commit (unlike a timestamp taken before the lock).
 *
 * A transaction gets a contiguous block of values, one per row written (in write order), so a feed
 * can be paged with a single cursor however large the transaction. The block is counted in memory and
 * stored once when the transaction's work is done.
 */
export function changeCounter(db: SqliteDb) {
  const read = db.prepare('SELECT last_seq FROM change_counter WHERE id = 1').pluck();
  const store = db.prepare('UPDATE change_counter SET last_seq = ? WHERE id = 1');
  return {
    /**
     * Runs `work` with a source of new change_seq values. Must be called inside an IMMEDIATE write
     * transaction (better-sqlite3's `.immediate()`): a deferred one could read the counter before
     * holding the write lock.
     */
    within<T>(work: (next: NextChangeSeq) => T): T {
      if (!db.inTransaction) throw new Error('change counter used outside a write transaction');
      const first = read.get() as number;
      let last = first;
      const result = work(() => ++last);
      if (last !== first) store.run(last);
      return result;
    },
    /** The last change_seq committed (0 for an empty store). */
    last(): number {
      return (read.get() as number | undefined) ?? 0;
    },
  };
}
