/**
 * Rate limits on PostgreSQL: the token buckets live in the database (adapters/postgres/rate-limit-store.ts),
 * so every instance on it counts the same requests of a client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPool, type Pool } from '../src/adapters/postgres/database.ts';
import { createPostgresRateLimitStore } from '../src/adapters/postgres/rate-limit-store.ts';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { TokenBuckets, type BucketRule } from '../src/core/rate-limit.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { memoryMailer } from './app-helpers.ts';
import { fixedClock, ROOT, tempDir } from './helpers.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';

describe('rate limits shared through PostgreSQL', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  let pool: Pool;
  before(async () => {
    cluster = await startPgCluster();
    pool = await openPool(await cluster.createDatabase());
  });
  after(async () => {
    await pool?.end();
    await cluster?.stop();
  });

  it('give the same verdicts as the in-memory token buckets, for several keys and rules', async () => {
    const store = createPostgresRateLimitStore(pool, { logger: silentLogger });
    const rules: BucketRule[] = [{ capacity: 3, perMinute: 6 }, { capacity: 1, perMinute: 0.5 }, { capacity: 60, perMinute: 240 }];
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const [r, rule] of rules.entries()) {
      const memory = new TokenBuckets(rule);
      let now = 1_700_000_000_000;
      const verdicts: [string, unknown, unknown][] = [];
      for (let i = 0; i < 150; i++) {
        now += Math.floor(random() * 4000);
        const key = `search:10.0.0.${Math.floor(random() * 3)}-rule${r}`;
        verdicts.push([key, memory.take(key, now), await store.take(key, rule, now)]);
      }
      const denied = verdicts.filter(([, v]) => !(v as { ok: boolean }).ok).length;
      assert.ok(denied > 0 || rule.capacity === 60, `the sequence reaches the limit of ${JSON.stringify(rule)}`);
      for (const [key, expected, actual] of verdicts) assert.deepEqual(actual, expected, key);
    }
  });

  it('count one client\'s requests across two instances: the fourth search is refused whichever instance gets it, and allowed after the refill', async () => {
    const url = await cluster.createDatabase();
    const clock = fixedClock('2024-01-10T12:00:00Z');
    const instance = async () => {
      const services = await composeServices(loadConfig({ env: { PAPERBOY_DATABASE_URL: url }, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off' } }), {
        embedder: null, index: 'memory', logger: silentLogger, mailer: memoryMailer(), clock, tuning: { rateLimits: { search: { capacity: 3, perMinute: 1 } } },
      });
      return { services, app: (await services.web('http://paperboy.test', memoryMailer())).app };
    };
    const [a, b] = [await instance(), await instance()];
    // Both instances see the same client (a reverse proxy would send X-Forwarded-For; here no address at all).
    const search = (i: { app: typeof a.app }) => i.app.request('http://paperboy.test/api/search?q=retrieval&mode=keyword');
    try {
      assert.deepEqual([(await search(a)).status, (await search(b)).status, (await search(a)).status], [200, 200, 200]);
      const refused = await search(b);
      assert.equal(refused.status, 429, 'the bucket is shared: three searches through A and B used it up');
      assert.equal(refused.headers.get('retry-after'), '60');
      assert.equal((await search(a)).status, 429);
      clock.set('2024-01-10T12:01:00Z');
      assert.equal((await search(a)).status, 200, 'one token back after a minute');
      assert.equal((await search(b)).status, 429);
    } finally {
      await Promise.all([a.services.close(), b.services.close()]);
    }
  });

  it('forget buckets that have refilled, at most once a minute', async () => {
    const store = createPostgresRateLimitStore(pool, { logger: silentLogger });
    const rule = { capacity: 2, perMinute: 2 };
    const rows = async () => (await pool.query<{ key: string }>("SELECT key FROM rate_limits WHERE key LIKE 'prune:%' ORDER BY key")).rows.map((r) => r.key);
    const t0 = 1_800_000_000_000;
    await store.take('prune:a', rule, t0);
    await store.take('prune:b', rule, t0);
    await store.take('prune:b', rule, t0); // empty: full again after a minute
    assert.deepEqual(await rows(), ['prune:a', 'prune:b']);
    await store.take('prune:c', rule, t0 + 40_000); // a is full again (30 s), but the last prune was under a minute ago
    assert.deepEqual(await rows(), ['prune:a', 'prune:b', 'prune:c']);
    await store.take('prune:c', rule, t0 + 61_000); // prunes a and b (b full at t0 + 60 s); c is in use
    for (let i = 0; i < 50 && (await rows()).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await rows(), ['prune:c']);
  });

  it('let requests through when the database does not answer, and say so', async () => {
    const broken = await openPool(await cluster.createDatabase());
    await broken.end();
    const warnings: string[] = [];
    const store = createPostgresRateLimitStore(broken, { logger: { ...silentLogger, warn: (event: string) => void warnings.push(event) } });
    const rule = { capacity: 1, perMinute: 1 };
    assert.deepEqual([await store.take('k', rule, 1), await store.take('k', rule, 2)], [{ ok: true }, { ok: true }]);
    assert.deepEqual(warnings, ['rate_limit.store_failed'], 'one warning, not one per request');
  });
});
