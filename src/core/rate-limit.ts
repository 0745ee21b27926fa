/**
 * Token buckets per key (client address + action): `capacity` requests at once, refilled at
 * `perMinute`. Time is a parameter. Memory is bounded: when more than `maxKeys` keys are tracked,
 * buckets that have refilled completely (the idle ones) are dropped.
 */
export interface BucketRule {
  capacity: number;
  perMinute: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly rule: BucketRule, private readonly maxKeys = 50_000) {}

  /** Takes one token; when none is left, says how long until one is. */
  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const perMs = this.rule.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.rule.capacity, at: nowMs };
    bucket.tokens = Math.min(this.rule.capacity, bucket.tokens + Math.max(0, nowMs - bucket.at) * perMs);
    bucket.at = nowMs;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxKeys) this.prune(nowMs);
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(nowMs: number): void {
    const perMs = this.rule.perMinute / 60_000;
    for (const [key, b] of this.buckets) {
      if (b.tokens + (nowMs - b.at) * perMs >= this.rule.capacity) this.buckets.delete(key);
    }
    // Everyone is busy: forget the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxKeys) {
      let drop = this.buckets.size >> 1;
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}
