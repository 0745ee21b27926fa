import type { MailLog } from '../../ports/mail-log.ts';
import type { SqliteDb } from './database.ts';

const HOUR_MS = 3_600_000;

/** The mail log in the Paperboy SQLite file (migration 6): one row per requested mail, kept a day. */
export function createSqliteMailLog(db: SqliteDb): MailLog {
  const countMailbox = db.prepare('SELECT COUNT(*) AS n FROM mail_requests WHERE mailbox = ? AND created_at > ?');
  const countAll = db.prepare('SELECT COUNT(*) AS n FROM mail_requests WHERE created_at > ?');
  const insert = db.prepare('INSERT INTO mail_requests (kind, mailbox, created_at) VALUES (?, ?, ?)');
  const prune = db.prepare('DELETE FROM mail_requests WHERE created_at < ?');
  const remove = db.prepare('DELETE FROM mail_requests WHERE id = ?');
  const reserve = db.transaction((input: Parameters<MailLog['reserve']>[0]) => {
    const now = Date.parse(input.now);
    const hourAgo = new Date(now - HOUR_MS).toISOString();
    prune.run(new Date(now - 24 * HOUR_MS).toISOString());
    if ((countMailbox.get(input.mailbox, hourAgo) as { n: number }).n >= input.caps.perAddressPerHour) return { limited: 'address' as const };
    if ((countAll.get(hourAgo) as { n: number }).n >= input.caps.perHour) return { limited: 'hourly' as const };
    return { id: Number(insert.run(input.kind, input.mailbox, input.now).lastInsertRowid) };
  });
  return {
    async reserve(input) {
      return reserve.immediate(input);
    },
    async release(id) {
      remove.run(id);
    },
  };
}
