/**
 * Rate limits shared by every instance on the database: one token bucket per action and client
 * address in the unlogged table rate_limits (migration 3), taken with one upsert statement per
 * limited request — a single-row write without WAL on a pooled connection, no transaction.
 * Concurrent requests of one client serialise on its row; other clients never wait for each other.
 *
 * Buckets whose refill time has passed are deleted at most once a minute (by whichever request
 * comes then), so the table holds only clients seen within their bucket's refill time. When the
 * database cannot answer, requests are let through (and a warning logged): limits protect the
 * service, and a database outage should not turn every search into an error.
 */
import type { BucketRule } from '../../core/rate-limit.ts';
import type { Logger } from '../../ports/logger.ts';
import type { RateLimitStore, RateVerdict } from '../../ports/rate-limit-store.ts';
import type { Pool } from './database.ts';

// $1 key, $2 capacity, $3 now (ms), $4 tokens per ms. `refill`: the tokens the bucket holds now.
const REFILL = 'LEAST($2::double precision, r.tokens + GREATEST(0, $3::double precision - r.at_ms) * $4::double precision)';
const LEFT = `CASE WHEN ${REFILL} >= 1 THEN ${REFILL} - 1 ELSE ${REFILL} END`;
const TAKE = {
  name: 'rate-limit-take',
  text: `INSERT INTO rate_limits AS r (key, tokens, at_ms, full_at_ms, granted)
    VALUES ($1, $2::double precision - 1, $3::double precision, $3::double precision + 1 / $4::double precision, true)
    ON CONFLICT (key) DO UPDATE SET
      tokens = ${LEFT},
      granted = ${REFILL} >= 1,
      at_ms = GREATEST(r.at_ms, $3::double precision),
      full_at_ms = GREATEST(r.at_ms, $3::double precision) + ($2::double precision - (${LEFT})) / $4::double precision
    RETURNING tokens, granted`,
};
const PRUNE = { name: 'rate-limit-prune', text: 'DELETE FROM rate_limits WHERE full_at_ms < $1' };
const PRUNE_EVERY_MS = 60_000;

export function createPostgresRateLimitStore(pool: Pool, deps: { logger: Logger }): RateLimitStore {
  let prunedAt = 0;
  let warnedAt = -Infinity;
  return {
    async take(key: string, rule: BucketRule, nowMs: number): Promise<RateVerdict> {
      const perMs = rule.perMinute / 60_000;
      try {
        if (nowMs - prunedAt >= PRUNE_EVERY_MS) {
          prunedAt = nowMs;
          void pool.query({ ...PRUNE, values: [nowMs] }).catch((error: Error) => deps.logger.warn('rate_limit.prune_failed', { message: error.message }));
        }
        const { rows } = await pool.query<{ tokens: number; granted: boolean }>({ ...TAKE, values: [key, rule.capacity, nowMs, perMs] });
        const row = rows[0]!;
        return row.granted ? { ok: true } : { ok: false, retryAfterMs: Math.ceil((1 - row.tokens) / perMs) };
      } catch (error) {
        // One warning a minute at most, not one per request.
        if (nowMs - warnedAt >= 60_000) {
          warnedAt = nowMs;
          deps.logger.warn('rate_limit.store_failed', { message: `rate limits are not applied while the database does not answer: ${(error as Error).message}` });
        }
        return { ok: true };
      }
    },
  };
}
