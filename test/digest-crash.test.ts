import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createSqliteSubscriptionStore } from '../src/adapters/sqlite/subscription-store.ts';
import { DEFAULT_PREFERENCES } from '../src/app/digests.ts';
import { ROOT, fixture, tempDir, testStore } from './helpers.ts';
import { startSmtpServer } from './smtp-server.ts';

const SUBSCRIBERS = 220;
const KILLS = 20;

describe('digest sender crash safety', () => {
  it(`killed with SIGKILL ${KILLS} times during a batch of ${SUBSCRIBERS}, every subscriber ends with exactly one digest`, async (t) => {
    const smtp = await startSmtpServer({ delayMs: 25 });
    const data = tempDir();
    const { store, importFiles } = testStore(data);
    await importFiles([fixture('web-papers.jsonl')]);
    const subscriptions = createSqliteSubscriptionStore(store.db);
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const hash = createHash('sha256').update(`token-${i}`).digest('hex');
      await subscriptions.requestSubscription({ email: `reader${i}@example.org`, tokenHash: hash, now: '2024-01-09T00:00:00Z', expiresAt: '2024-01-20T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
      await subscriptions.confirm(hash, '2024-01-09T01:00:00Z');
    }
    await store.close();

    const env = {
      ...process.env, PAPERBOY_DATA: '', PAPERBOY_SMTP_HOST: '127.0.0.1', PAPERBOY_SMTP_PORT: String(smtp.port), PAPERBOY_SECRET: 'crash-test-secret-crash-test-secret!!',
      PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_MODEL_DIR: join(data, 'no-model'), PAPERBOY_DIGEST_STALE_CLAIM_MS: '0', PAPERBOY_DIGEST_RATE_PER_MINUTE: '1000000',
      PAPERBOY_LOG_LEVEL: 'error',
    };
    const run = (killAfterMs: number | null) => new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), 'digest', 'run', '--date', '2024-01-10', '--data', data], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.on('exit', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code, signal, stderr });
      });
    });

    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let killedMidBatch = 0;
    for (let i = 0; i < KILLS; i++) {
      const before = smtp.received.length;
      const result = await run(300 + Math.floor(random() * 1200));
      if (result.signal === 'SIGKILL' && smtp.received.length > before) killedMidBatch++;
      if (result.signal !== 'SIGKILL') assert.equal(result.code, 0, result.stderr);
    }
    const final = await run(null);
    assert.equal(final.code, 0, final.stderr);
    await new Promise((r) => setTimeout(r, 300));

    const perRecipient = new Map<string, { messageIds: Set<string>; deliveries: number }>();
    for (const mail of smtp.received) {
      for (const to of mail.envelopeTo) {
        const entry = perRecipient.get(to) ?? { messageIds: new Set(), deliveries: 0 };
        entry.messageIds.add(mail.parsed.messageId ?? '');
        entry.deliveries++;
        perRecipient.set(to, entry);
      }
    }
    const missing = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.org`).filter((e) => !perRecipient.has(e));
    const twoDigests = [...perRecipient].filter(([, e]) => e.messageIds.size !== 1).map(([to]) => to);
    const redeliveries = [...perRecipient.values()].reduce((n, e) => n + e.deliveries - 1, 0);
    t.diagnostic(`${KILLS} kills (${killedMidBatch} in the middle of sending), ${smtp.received.length} SMTP deliveries for ${SUBSCRIBERS} subscribers; ${redeliveries} re-deliveries of an already accepted digest (same Message-ID)`);
    assert.ok(killedMidBatch >= 5, `only ${killedMidBatch} kills landed while sending`);
    assert.deepEqual(missing, [], 'no subscriber is skipped');
    assert.deepEqual(twoDigests, [], 'no subscriber gets two different digests');
    const check = testStore(data);
    const counts = await createSqliteSubscriptionStore(check.store.db).counts();
    assert.deepEqual(counts, { pending: 0, sending: 0, sent: SUBSCRIBERS, failed: 0, empty: 0 });
    await smtp.close();
  });
});
