import type { MailLog } from '../../ports/mail-log.ts';
import { withTransaction, type Pool } from './database.ts';

const HOUR_MS = 3_600_000;
// Key of the advisory lock that serialises reservations (any fixed number; "mail-log" in ASCII).
const RESERVE_LOCK = 0x6d61696c2d6c6f67n.toString();

/**
 * The PostgreSQL implementation of {@link MailLog}: one row per requested mail, kept a day. A
 * reservation counts and inserts under a transaction-scoped advisory lock, so instances sharing the
 * database never pass a cap together (two counts of 4 under a cap of 5 would both insert).
 */
export function createPostgresMailLog(pool: Pool): MailLog {
  return {
    async reserve(input) {
      return withTransaction(pool, async (client) => {
        await client.query({ name: 'mail-lock', text: 'SELECT pg_advisory_xact_lock($1)', values: [RESERVE_LOCK] });
        const now = Date.parse(input.now);
        const hourAgo = new Date(now - HOUR_MS).toISOString();
        await client.query({ name: 'mail-prune', text: 'DELETE FROM mail_requests WHERE created_at < $1', values: [new Date(now - 24 * HOUR_MS).toISOString()] });
        const { rows } = await client.query<{ mailbox: number; total: number }>({
          name: 'mail-count',
          text: 'SELECT COUNT(*) FILTER (WHERE mailbox = $1) AS mailbox, COUNT(*) AS total FROM mail_requests WHERE created_at > $2',
          values: [input.mailbox, hourAgo],
        });
        const counts = rows[0]!;
        if (counts.mailbox >= input.caps.perAddressPerHour) return { limited: 'address' as const };
        if (counts.total >= input.caps.perHour) return { limited: 'hourly' as const };
        const inserted = await client.query<{ id: number }>({
          name: 'mail-insert',
          text: 'INSERT INTO mail_requests (kind, mailbox, created_at) VALUES ($1, $2, $3) RETURNING id',
          values: [input.kind, input.mailbox, input.now],
        });
        return { id: inserted.rows[0]!.id };
      });
    },
    async release(id) {
      await pool.query({ name: 'mail-release', text: 'DELETE FROM mail_requests WHERE id = $1', values: [id] });
    },
  };
}
