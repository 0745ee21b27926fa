import type { Digest, DigestState, Preferences, Subscriber, SubscriptionStore, Topic } from '../../ports/subscription-store.ts';
import { withTransaction, type Pool, type PoolClient } from './database.ts';

interface SubscriberRow {
  id: number; email: string; status: Subscriber['status']; created_at: string; confirmed_at: string | null; last_digest_at: string | null;
  daily_trending: boolean; send_hour: number; time_zone: string; skip_weekends: boolean; max_papers: number; permanent_failures: number;
  confirm_expires_at: string | null; time_zone_chosen: boolean; user_id: number | null; recommendations: boolean;
}
interface TopicRow { id: number; subscriber_id: number; kind: Topic['kind']; query: string; filters: Topic['filters']; frequency: Topic['frequency']; created_at: string }
interface DigestRow {
  id: number; subscriber_id: number; period: string; idempotency_key: string; state: DigestState; message_id: string; subject: string;
  text_body: string; html_body: string; headers: Record<string, string>; paper_ids: string[]; attempts: number; next_attempt_at: string; created_at: string;
  sent_at: string | null; last_error: string | null; email: string;
}

const toSubscriber = (r: SubscriberRow): Subscriber => ({
  id: r.id, email: r.email, status: r.status, createdAt: r.created_at, confirmedAt: r.confirmed_at, lastDigestAt: r.last_digest_at,
  dailyTrending: r.daily_trending, sendHour: r.send_hour, timeZone: r.time_zone, skipWeekends: r.skip_weekends, maxPapers: r.max_papers,
  permanentFailures: r.permanent_failures, timeZoneChosen: r.time_zone_chosen, userId: r.user_id, recommendations: r.recommendations,
});
const toTopic = (r: TopicRow): Topic => ({ id: r.id, subscriberId: r.subscriber_id, kind: r.kind, query: r.query, filters: r.filters, frequency: r.frequency, createdAt: r.created_at });
const toDigest = (r: DigestRow): Digest => ({
  id: r.id, subscriberId: r.subscriber_id, period: r.period, idempotencyKey: r.idempotency_key, state: r.state, messageId: r.message_id, subject: r.subject,
  text: r.text_body, html: r.html_body, headers: r.headers, paperIds: r.paper_ids,
  attempts: r.attempts, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, sentAt: r.sent_at, lastError: r.last_error, email: r.email,
});

const DIGEST_SELECT = 'SELECT d.*, s.email FROM digest_outbox d JOIN subscribers s ON s.id = d.subscriber_id';
const OWNED = "id = $1 AND claim_owner = $2 AND state = 'sending'";
const prefs = (p: Preferences) => [p.dailyTrending, p.sendHour, p.timeZone, p.skipWeekends, p.maxPapers] as const;

/**
 * The PostgreSQL implementation of {@link SubscriptionStore}: subscribers, topics and the digest
 * outbox. Several sender processes may share it: claims take rows with FOR UPDATE SKIP LOCKED, so
 * two claims at once never take the same digest; every outcome is recorded only by the claim's owner.
 */
export function createPostgresSubscriptionStore(pool: Pool): SubscriptionStore {
  const one = async <T extends object>(db: Pool | PoolClient, name: string, text: string, values: unknown[]): Promise<T | undefined> =>
    (await db.query<T>({ name, text, values })).rows[0];
  const changed = async (name: string, text: string, values: unknown[]) => ((await pool.query({ name, text, values })).rowCount ?? 0) > 0;

  return {
    async requestSubscription(input) {
      return withTransaction(pool, async (client) => {
        // One request per address at a time (two at once would both see "no row" and both insert).
        await client.query({ name: 'subs-lock-email', text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`subscriber:${input.email}`] });
        const row = await one<SubscriberRow>(client, 'subs-by-email', 'SELECT * FROM subscribers WHERE email = $1', [input.email]);
        if (row?.status === 'active') {
          if (input.userId !== null && row.user_id !== input.userId) {
            await client.query({ name: 'subs-link-user', text: 'UPDATE subscribers SET user_id = $1 WHERE id = $2', values: [input.userId, row.id] });
          }
          return 'active';
        }
        if (row?.status === 'pending' && row.confirm_expires_at && row.confirm_expires_at > input.now) return 'pending';
        if (row) {
          await client.query({
            name: 'subs-restart',
            text: `UPDATE subscribers SET status = 'pending', confirm_token_hash = $1, confirm_expires_at = $2, created_at = $3, unsubscribed_at = NULL,
              permanent_failures = 0, daily_trending = $4, send_hour = $5, time_zone = $6, skip_weekends = $7, max_papers = $8, time_zone_chosen = $9,
              user_id = COALESCE($10, user_id) WHERE id = $11`,
            values: [input.tokenHash, input.expiresAt, input.now, ...prefs(input.preferences), input.timeZoneChosen, input.userId, row.id],
          });
        } else {
          await client.query({
            name: 'subs-insert',
            text: `INSERT INTO subscribers (email, user_id, status, confirm_token_hash, confirm_expires_at, created_at, daily_trending, send_hour, time_zone,
              skip_weekends, max_papers, time_zone_chosen) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
            values: [input.email, input.userId, input.tokenHash, input.expiresAt, input.now, ...prefs(input.preferences), input.timeZoneChosen],
          });
        }
        return 'created';
      });
    },
    async confirm(tokenHash, now) {
      const row = await one<SubscriberRow>(pool, 'subs-confirm',
        `UPDATE subscribers SET status = 'active', confirmed_at = $1, confirm_token_hash = NULL, confirm_expires_at = NULL
          WHERE confirm_token_hash = $2 AND status = 'pending' AND confirm_expires_at > $1 RETURNING *`, [now, tokenHash]);
      return row ? toSubscriber(row) : null;
    },
    async getSubscriber(id) {
      const row = await one<SubscriberRow>(pool, 'subs-by-id', 'SELECT * FROM subscribers WHERE id = $1', [id]);
      return row ? toSubscriber(row) : null;
    },
    async findSubscriber(email) {
      const row = await one<SubscriberRow>(pool, 'subs-by-email', 'SELECT * FROM subscribers WHERE email = $1', [email]);
      return row ? toSubscriber(row) : null;
    },
    async setRecommendations(id, on) {
      await pool.query({ name: 'subs-recommendations', text: 'UPDATE subscribers SET recommendations = $1 WHERE id = $2', values: [on, id] });
    },
    async updatePreferences(id, p) {
      await pool.query({
        name: 'subs-preferences',
        text: 'UPDATE subscribers SET daily_trending = $1, send_hour = $2, time_zone = $3, skip_weekends = $4, max_papers = $5, time_zone_chosen = true WHERE id = $6',
        values: [...prefs(p), id],
      });
    },
    async unsubscribe(id, topicId, now) {
      if (topicId === null) {
        await pool.query({ name: 'subs-unsubscribe', text: "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $1 WHERE id = $2 AND status <> 'undeliverable'", values: [now, id] });
      } else {
        await pool.query({ name: 'subs-unsubscribe-topic', text: 'UPDATE subscriber_topics SET unsubscribed_at = $1 WHERE id = $2 AND subscriber_id = $3', values: [now, topicId, id] });
      }
    },
    async topics(subscriberId, limit) {
      const { rows } = await pool.query<TopicRow>({
        name: 'subs-topics',
        text: 'SELECT * FROM subscriber_topics WHERE subscriber_id = $1 AND unsubscribed_at IS NULL ORDER BY id LIMIT $2',
        values: [subscriberId, limit === undefined || limit < 0 ? null : limit],
      });
      return rows.map(toTopic);
    },
    async addTopic(t, maxTopics) {
      return withTransaction(pool, async (client) => {
        // The subscriber's row locked: two additions at once cannot both pass the count.
        await client.query({ name: 'subs-lock-subscriber', text: 'SELECT 1 FROM subscribers WHERE id = $1 FOR UPDATE', values: [t.subscriberId] });
        const live = await one<{ n: number }>(client, 'subs-count-topics', 'SELECT COUNT(*) AS n FROM subscriber_topics WHERE subscriber_id = $1 AND unsubscribed_at IS NULL', [t.subscriberId]);
        if ((live?.n ?? 0) >= maxTopics) return null;
        const row = await one<TopicRow>(client, 'subs-insert-topic',
          'INSERT INTO subscriber_topics (subscriber_id, kind, query, filters, frequency, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
          [t.subscriberId, t.kind, t.query, JSON.stringify(t.filters), t.frequency, t.createdAt]);
        return toTopic(row!);
      });
    },
    async activeSubscribers() {
      const { rows } = await pool.query<SubscriberRow>({ name: 'subs-active', text: "SELECT * FROM subscribers WHERE status = 'active' ORDER BY id" });
      return rows.map(toSubscriber);
    },
    async papersSent(subscriberId) {
      const { rows } = await pool.query<{ paper_id: string }>({ name: 'subs-papers-sent', text: 'SELECT paper_id FROM digest_papers_sent WHERE subscriber_id = $1', values: [subscriberId] });
      return new Set(rows.map((r) => r.paper_id));
    },
    async enqueueDigest(draft, state, now) {
      return withTransaction(pool, async (client) => {
        const inserted = await one<{ id: number }>(client, 'subs-enqueue',
          `INSERT INTO digest_outbox (subscriber_id, period, idempotency_key, state, message_id, subject, text_body, html_body, headers, paper_ids, next_attempt_at, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
          [draft.subscriberId, draft.period, draft.idempotencyKey, state, draft.messageId, draft.subject, draft.text, draft.html,
            JSON.stringify(draft.headers), JSON.stringify(draft.paperIds), now]);
        if (!inserted) return false;
        await client.query({
          name: 'subs-reserve-papers',
          text: 'INSERT INTO digest_papers_sent (subscriber_id, paper_id, digest_id) SELECT $1, paper_id, $3 FROM unnest($2::text[]) AS paper_id ON CONFLICT DO NOTHING',
          values: [draft.subscriberId, draft.paperIds, inserted.id],
        });
        await client.query({ name: 'subs-last-digest', text: 'UPDATE subscribers SET last_digest_at = $1 WHERE id = $2', values: [now, draft.subscriberId] });
        return true;
      });
    },
    async getDigest(id) {
      const row = await one<DigestRow>(pool, 'subs-digest', `${DIGEST_SELECT} WHERE d.id = $1`, [id]);
      return row ? toDigest(row) : null;
    },
    async digestFor(subscriberId, period) {
      const row = await one<DigestRow>(pool, 'subs-digest-for', `${DIGEST_SELECT} WHERE d.subscriber_id = $1 AND d.period = $2`, [subscriberId, period]);
      return row ? toDigest(row) : null;
    },
    async claimDigests(c) {
      // SKIP LOCKED: a sender claiming at the same time takes other rows (or none), never these.
      const { rows } = await pool.query<DigestRow>({
        name: 'subs-claim',
        text: `WITH due AS (
            SELECT id FROM digest_outbox
             WHERE (state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND (lease_expires_at IS NULL OR lease_expires_at <= $1))
             ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
          UPDATE digest_outbox d SET state = 'sending', claimed_at = $1, claim_owner = $3, lease_expires_at = $4, attempts = d.attempts + 1
            FROM due, subscribers s WHERE d.id = due.id AND s.id = d.subscriber_id
          RETURNING d.*, s.email`,
        values: [c.now, c.limit, c.owner, c.leaseUntil],
      });
      return rows.map(toDigest).sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : a.id - b.id));
    },
    async renewLeases(owner, leaseUntil) {
      return (await pool.query({ name: 'subs-renew', text: "UPDATE digest_outbox SET lease_expires_at = $1 WHERE claim_owner = $2 AND state = 'sending'", values: [leaseUntil, owner] })).rowCount ?? 0;
    },
    async holdsLease(id, owner, now) {
      return (await one(pool, 'subs-holds', `SELECT 1 AS held FROM digest_outbox WHERE ${OWNED} AND lease_expires_at > $3`, [id, owner, now])) !== undefined;
    },
    async releaseClaims(owner, ids) {
      if (ids.length === 0) return;
      await pool.query({
        name: 'subs-release',
        text: `UPDATE digest_outbox SET state = 'pending', claim_owner = NULL, lease_expires_at = NULL, claimed_at = NULL, attempts = GREATEST(0, attempts - 1)
          WHERE id = ANY($1::bigint[]) AND claim_owner = $2 AND state = 'sending'`,
        values: [[...ids], owner],
      });
    },
    async markSent(id, owner, messageId, now) {
      return changed('subs-sent',
        `UPDATE digest_outbox SET state = 'sent', sent_at = $3, message_id = $4, last_error = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE ${OWNED}`,
        [id, owner, now, messageId]);
    },
    async markRetry(id, owner, error, nextAttemptAt) {
      return changed('subs-retry',
        `UPDATE digest_outbox SET state = 'pending', last_error = $3, next_attempt_at = $4, claimed_at = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE ${OWNED}`,
        [id, owner, error, nextAttemptAt]);
    },
    async markFailed(id, owner, error, maxFailures) {
      return withTransaction(pool, async (client) => {
        const row = await one<{ subscriber_id: number }>(client, 'subs-failed',
          `UPDATE digest_outbox SET state = 'failed', last_error = $3, claimed_at = NULL, claim_owner = NULL, lease_expires_at = NULL WHERE ${OWNED} RETURNING subscriber_id`,
          [id, owner, error]);
        if (!row) return false;
        await client.query({
          name: 'subs-count-failure',
          text: "UPDATE subscribers SET permanent_failures = permanent_failures + 1, status = CASE WHEN permanent_failures + 1 >= $1 THEN 'undeliverable' ELSE status END WHERE id = $2",
          values: [maxFailures, row.subscriber_id],
        });
        return true;
      });
    },
    async counts() {
      const out: Record<DigestState, number> = { pending: 0, sending: 0, sent: 0, failed: 0, empty: 0 };
      const { rows } = await pool.query<{ state: DigestState; n: number }>({ name: 'subs-counts', text: 'SELECT state, COUNT(*) AS n FROM digest_outbox GROUP BY state' });
      for (const r of rows) out[r.state] = r.n;
      return out;
    },
  };
}
