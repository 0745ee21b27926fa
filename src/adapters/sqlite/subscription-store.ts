import type { Digest, DigestState, Preferences, Subscriber, SubscriptionStore, Topic } from '../../ports/subscription-store.ts';
import type { SqliteDb } from './database.ts';

interface SubscriberRow {
  id: number; email: string; status: Subscriber['status']; created_at: string; confirmed_at: string | null; last_digest_at: string | null;
  daily_trending: number; send_hour: number; time_zone: string; skip_weekends: number; max_papers: number; permanent_failures: number;
  confirm_expires_at: string | null; time_zone_chosen: number; user_id: number | null; recommendations: number;
}
interface TopicRow { id: number; subscriber_id: number; kind: Topic['kind']; query: string; filters: string; frequency: Topic['frequency']; created_at: string }
interface DigestRow {
  id: number; subscriber_id: number; period: string; idempotency_key: string; state: DigestState; message_id: string; subject: string;
  text_body: string; html_body: string; headers: string; paper_ids: string; attempts: number; next_attempt_at: string; created_at: string;
  sent_at: string | null; last_error: string | null; email: string;
}

const toSubscriber = (r: SubscriberRow): Subscriber => ({
  id: r.id, email: r.email, status: r.status, createdAt: r.created_at, confirmedAt: r.confirmed_at, lastDigestAt: r.last_digest_at,
  dailyTrending: r.daily_trending === 1, sendHour: r.send_hour, timeZone: r.time_zone, skipWeekends: r.skip_weekends === 1, maxPapers: r.max_papers,
  permanentFailures: r.permanent_failures, timeZoneChosen: r.time_zone_chosen === 1, userId: r.user_id, recommendations: r.recommendations === 1,
});
const toTopic = (r: TopicRow): Topic => ({ id: r.id, subscriberId: r.subscriber_id, kind: r.kind, query: r.query, filters: JSON.parse(r.filters) as Topic['filters'], frequency: r.frequency, createdAt: r.created_at });
const toDigest = (r: DigestRow): Digest => ({
  id: r.id, subscriberId: r.subscriber_id, period: r.period, idempotencyKey: r.idempotency_key, state: r.state, messageId: r.message_id, subject: r.subject,
  text: r.text_body, html: r.html_body, headers: JSON.parse(r.headers) as Record<string, string>, paperIds: JSON.parse(r.paper_ids) as string[],
  attempts: r.attempts, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, sentAt: r.sent_at, lastError: r.last_error, email: r.email,
});

const DIGEST_SELECT = 'SELECT d.*, s.email FROM digest_outbox d JOIN subscribers s ON s.id = d.subscriber_id';

/** Subscriptions and the digest outbox in the Paperboy SQLite file (migrations 5 and 6). */
export function createSqliteSubscriptionStore(db: SqliteDb): SubscriptionStore {
  const byEmail = db.prepare('SELECT * FROM subscribers WHERE email = ?');
  const byId = db.prepare('SELECT * FROM subscribers WHERE id = ?');
  const prefs = (p: Preferences) => [p.dailyTrending ? 1 : 0, p.sendHour, p.timeZone, p.skipWeekends ? 1 : 0, p.maxPapers] as const;

  const request = db.transaction((input: Parameters<SubscriptionStore['requestSubscription']>[0]): 'created' | 'pending' | 'active' => {
    const row = byEmail.get(input.email) as SubscriberRow | undefined;
    if (row?.status === 'active') {
      if (input.userId !== null && row.user_id !== input.userId) db.prepare('UPDATE subscribers SET user_id = ? WHERE id = ?').run(input.userId, row.id);
      return 'active';
    }
    if (row?.status === 'pending' && row.confirm_expires_at && row.confirm_expires_at > input.now) return 'pending';
    if (row) {
      db.prepare(`UPDATE subscribers SET status = 'pending', confirm_token_hash = ?, confirm_expires_at = ?, created_at = ?, unsubscribed_at = NULL, permanent_failures = 0,
        daily_trending = ?, send_hour = ?, time_zone = ?, skip_weekends = ?, max_papers = ?, time_zone_chosen = ?, user_id = COALESCE(?, user_id) WHERE id = ?`)
        .run(input.tokenHash, input.expiresAt, input.now, ...prefs(input.preferences), input.timeZoneChosen ? 1 : 0, input.userId, row.id);
    } else {
      db.prepare(`INSERT INTO subscribers (email, user_id, status, confirm_token_hash, confirm_expires_at, created_at, daily_trending, send_hour, time_zone, skip_weekends, max_papers, time_zone_chosen)
        VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(input.email, input.userId, input.tokenHash, input.expiresAt, input.now, ...prefs(input.preferences), input.timeZoneChosen ? 1 : 0);
    }
    return 'created';
  });

  const enqueue = db.transaction((draft: Parameters<SubscriptionStore['enqueueDigest']>[0], state: 'pending' | 'empty', now: string): boolean => {
    const inserted = db.prepare(`INSERT INTO digest_outbox (subscriber_id, period, idempotency_key, state, message_id, subject, text_body, html_body, headers, paper_ids, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`)
      .run(draft.subscriberId, draft.period, draft.idempotencyKey, state, draft.messageId, draft.subject, draft.text, draft.html, JSON.stringify(draft.headers), JSON.stringify(draft.paperIds), now, now);
    if (inserted.changes === 0) return false;
    const reserve = db.prepare('INSERT INTO digest_papers_sent (subscriber_id, paper_id, digest_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    for (const id of draft.paperIds) reserve.run(draft.subscriberId, id, inserted.lastInsertRowid);
    db.prepare('UPDATE subscribers SET last_digest_at = ? WHERE id = ?').run(now, draft.subscriberId);
    return true;
  });

  // IMMEDIATE: two sender processes never read the same claimable rows (the second waits for the lock).
  const claim = db.transaction((c: Parameters<SubscriptionStore['claimDigests']>[0]): Digest[] => {
    const rows = db.prepare(`${DIGEST_SELECT} WHERE (d.state = 'pending' AND d.next_attempt_at <= ?) OR (d.state = 'sending' AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ?))
      ORDER BY d.next_attempt_at, d.id LIMIT ?`).all(c.now, c.now, c.limit) as DigestRow[];
    const mark = db.prepare("UPDATE digest_outbox SET state = 'sending', claimed_at = ?, claim_owner = ?, lease_expires_at = ?, attempts = attempts + 1 WHERE id = ?");
    for (const r of rows) mark.run(c.now, c.owner, c.leaseUntil, r.id);
    return rows.map((r) => ({ ...toDigest(r), state: 'sending' as const, attempts: r.attempts + 1 }));
  });

  const OWNED = "id = ? AND claim_owner = ? AND state = 'sending'";
  const fail = db.transaction((id: number, owner: string, error: string, maxFailures: number): boolean => {
    const row = db.prepare(`UPDATE digest_outbox SET state = 'failed', last_error = ?, claimed_at = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE ${OWNED} RETURNING subscriber_id`)
      .get(error, id, owner) as { subscriber_id: number } | undefined;
    if (!row) return false;
    db.prepare("UPDATE subscribers SET permanent_failures = permanent_failures + 1, status = CASE WHEN permanent_failures + 1 >= ? THEN 'undeliverable' ELSE status END WHERE id = ?").run(maxFailures, row.subscriber_id);
    return true;
  });
  const release = db.transaction((owner: string, ids: readonly number[]) => {
    const one = db.prepare(`UPDATE digest_outbox SET state = 'pending', claim_owner = NULL, lease_expires_at = NULL, claimed_at = NULL, attempts = MAX(0, attempts - 1) WHERE ${OWNED}`);
    for (const id of ids) one.run(id, owner);
  });
  const addTopic = db.transaction((t: Omit<Topic, 'id'>, maxTopics: number): Topic | null => {
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM subscriber_topics WHERE subscriber_id = ? AND unsubscribed_at IS NULL').get(t.subscriberId) as { n: number };
    if (n >= maxTopics) return null;
    const row = db.prepare('INSERT INTO subscriber_topics (subscriber_id, kind, query, filters, frequency, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *')
      .get(t.subscriberId, t.kind, t.query, JSON.stringify(t.filters), t.frequency, t.createdAt) as TopicRow;
    return toTopic(row);
  });

  return {
    async requestSubscription(input) {
      return request(input);
    },
    async confirm(tokenHash, now) {
      const row = db.prepare("UPDATE subscribers SET status = 'active', confirmed_at = ?, confirm_token_hash = NULL, confirm_expires_at = NULL WHERE confirm_token_hash = ? AND status = 'pending' AND confirm_expires_at > ? RETURNING *")
        .get(now, tokenHash, now) as SubscriberRow | undefined;
      return row ? toSubscriber(row) : null;
    },
    async getSubscriber(id) {
      const row = byId.get(id) as SubscriberRow | undefined;
      return row ? toSubscriber(row) : null;
    },
    async findSubscriber(email) {
      const row = byEmail.get(email) as SubscriberRow | undefined;
      return row ? toSubscriber(row) : null;
    },
    async setRecommendations(id, on) {
      db.prepare('UPDATE subscribers SET recommendations = ? WHERE id = ?').run(on ? 1 : 0, id);
    },
    async updatePreferences(id, p) {
      db.prepare('UPDATE subscribers SET daily_trending = ?, send_hour = ?, time_zone = ?, skip_weekends = ?, max_papers = ?, time_zone_chosen = 1 WHERE id = ?').run(...prefs(p), id);
    },
    async unsubscribe(id, topicId, now) {
      if (topicId === null) db.prepare("UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status != 'undeliverable'").run(now, id);
      else db.prepare('UPDATE subscriber_topics SET unsubscribed_at = ? WHERE id = ? AND subscriber_id = ?').run(now, topicId, id);
    },
    async topics(subscriberId, limit = -1) {
      return (db.prepare('SELECT * FROM subscriber_topics WHERE subscriber_id = ? AND unsubscribed_at IS NULL ORDER BY id LIMIT ?').all(subscriberId, limit) as TopicRow[]).map(toTopic);
    },
    async addTopic(t, maxTopics) {
      return addTopic(t, maxTopics);
    },
    async activeSubscribers() {
      return (db.prepare("SELECT * FROM subscribers WHERE status = 'active' ORDER BY id").all() as SubscriberRow[]).map(toSubscriber);
    },
    async papersSent(subscriberId) {
      return new Set((db.prepare('SELECT paper_id FROM digest_papers_sent WHERE subscriber_id = ?').all(subscriberId) as { paper_id: string }[]).map((r) => r.paper_id));
    },
    async enqueueDigest(draft, state, now) {
      return enqueue(draft, state, now);
    },
    async getDigest(id) {
      const row = db.prepare(`${DIGEST_SELECT} WHERE d.id = ?`).get(id) as DigestRow | undefined;
      return row ? toDigest(row) : null;
    },
    async digestFor(subscriberId, period) {
      const row = db.prepare(`${DIGEST_SELECT} WHERE d.subscriber_id = ? AND d.period = ?`).get(subscriberId, period) as DigestRow | undefined;
      return row ? toDigest(row) : null;
    },
    async claimDigests(c) {
      return claim.immediate(c);
    },
    async renewLeases(owner, leaseUntil) {
      return db.prepare("UPDATE digest_outbox SET lease_expires_at = ? WHERE claim_owner = ? AND state = 'sending'").run(leaseUntil, owner).changes;
    },
    async holdsLease(id, owner, now) {
      return db.prepare(`SELECT 1 FROM digest_outbox WHERE ${OWNED} AND lease_expires_at > ?`).get(id, owner, now) !== undefined;
    },
    async releaseClaims(owner, ids) {
      if (ids.length) release.immediate(owner, ids);
    },
    async markSent(id, owner, messageId, now) {
      return db.prepare(`UPDATE digest_outbox SET state = 'sent', sent_at = ?, message_id = ?, last_error = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE ${OWNED}`)
        .run(now, messageId, id, owner).changes === 1;
    },
    async markRetry(id, owner, error, nextAttemptAt) {
      return db.prepare(`UPDATE digest_outbox SET state = 'pending', last_error = ?, next_attempt_at = ?, claimed_at = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE ${OWNED}`)
        .run(error, nextAttemptAt, id, owner).changes === 1;
    },
    async markFailed(id, owner, error, maxFailures) {
      return fail.immediate(id, owner, error, maxFailures);
    },
    async counts() {
      const out: Record<DigestState, number> = { pending: 0, sending: 0, sent: 0, failed: 0, empty: 0 };
      for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM digest_outbox GROUP BY state').all() as { state: DigestState; n: number }[]) out[r.state] = r.n;
      return out;
    },
  };
}
