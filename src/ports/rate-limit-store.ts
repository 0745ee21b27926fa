/**
 * Where the rate limits' token buckets live: in this process's memory (SQLite: one `serve`), or in
 * the database, shared by every instance (PostgreSQL: adapters/postgres/rate-limit-store.ts).
 */
import { TokenBuckets, type BucketRule } from '../core/rate-limit.ts';

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number };

export interface RateLimitStore {
  /** Takes one token from `key`'s bucket under `rule`; when none is left, says how long until one is. */
  take(key: string, rule: BucketRule, nowMs: number): Promise<RateVerdict> | RateVerdict;
}

/** Buckets in this process's memory (core/rate-limit.ts), one set per rule. */
export function memoryRateLimitStore(): RateLimitStore {
  const byRule = new Map<BucketRule, TokenBuckets>();
  return {
    take(key, rule, nowMs) {
      let buckets = byRule.get(rule);
      if (!buckets) byRule.set(rule, (buckets = new TokenBuckets(rule)));
      return buckets.take(key, nowMs);
    },
  };
}
