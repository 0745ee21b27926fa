import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_PREFERENCES } from '../src/app/digests.ts';
import { cliServices } from '../src/compose/cli-services.ts';
import { composeServices } from '../src/compose/compose-services.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { SubscriptionStore } from '../src/ports/subscription-store.ts';
import assert from 'node:assert/strict';
import type { ReceivedMail } from './smtp-server.ts';
import { ROOT, fixture, tempDir, testStore } from './helpers.ts';
import { storeEnv } from './test-store.ts';

/** Subscribes and confirms `count` readers reader0@… through `subscriptions`. */
async function addSubscribers(subscriptions: SubscriptionStore, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const hash = createHash('sha256').update(`token-${i}`).digest('hex');
    await subscriptions.requestSubscription({ email: `reader${i}@example.org`, tokenHash: hash, now: '2024-01-09T00:00:00Z', expiresAt: '2024-01-20T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
    await subscriptions.confirm(hash, '2024-01-09T01:00:00Z');
  }
}

/** A data directory with the web fixture papers and `count` confirmed subscribers reader0@… */
export async function dataWithSubscribers(count: number): Promise<string> {
  const data = tempDir();
  const { stores, importFiles } = await testStore(data);
  await importFiles([fixture('web-papers.jsonl')]);
  await addSubscribers(stores.subscriptions, count);
  await stores.close();
  return data;
}

/** The same on the PostgreSQL database `url` (composed as the CLI composes it). */
export async function databaseWithSubscribers(url: string, count: number): Promise<void> {
  const services = await composeServices(loadConfig({ env: { PAPERBOY_DATABASE_URL: url }, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off' } }), { embedder: null, index: 'memory', logger: silentLogger });
  try {
    await cliServices(services).importFiles([fixture('web-papers.jsonl')], {});
    await addSubscribers(services.stores.subscriptions, count);
  } finally {
    await services.close();
  }
}

/** The environment of a `paperboy digest run` against the test SMTP server (plus `extra`). */
export function senderEnv(data: string, smtpPort: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env, PAPERBOY_DATA: '', PAPERBOY_SMTP_HOST: '127.0.0.1', PAPERBOY_SMTP_PORT: String(smtpPort), PAPERBOY_SECRET: 'crash-test-secret-crash-test-secret!!',
    PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_MODEL_DIR: join(data, 'no-model'), PAPERBOY_LOG_LEVEL: 'error', PAPERBOY_BASE_URL: 'https://paperboy.test',
    ...extra,
  };
}

/**
 * Runs `paperboy digest run --date 2024-01-10` in a child process, killed with SIGKILL after
 * `kill` ms or when the `kill` promise settles (if it is still running).
 */
export async function runSender(data: string, env: NodeJS.ProcessEnv, kill: number | Promise<unknown> | null = null) {
  const childEnv = await storeEnv(data, env);
  return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), 'digest', 'run', '--date', '2024-01-10', '--data', data], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let exited = false;
    const timer = typeof kill === 'number' ? setTimeout(() => child.kill('SIGKILL'), kill) : null;
    if (kill instanceof Promise) void kill.finally(() => (exited ? undefined : child.kill('SIGKILL'))).catch(() => {});
    child.on('exit', (code, signal) => {
      exited = true;
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** Per recipient: the distinct Message-IDs received and the number of SMTP deliveries. */
export function deliveries(received: readonly ReceivedMail[], count: number) {
  const perRecipient = new Map<string, { messageIds: Set<string>; deliveries: number }>();
  for (const mail of received) {
    for (const to of mail.envelopeTo) {
      const entry = perRecipient.get(to) ?? { messageIds: new Set(), deliveries: 0 };
      entry.messageIds.add(mail.parsed.messageId ?? '');
      entry.deliveries++;
      perRecipient.set(to, entry);
    }
  }
  const everyone = Array.from({ length: count }, (_, i) => `reader${i}@example.org`);
  return {
    missing: everyone.filter((e) => !perRecipient.has(e)),
    /** Recipients with two different digests (never allowed). */
    twoDigests: [...perRecipient].filter(([, e]) => e.messageIds.size !== 1).map(([to]) => to),
    /** Recipients who got the same digest more than once (allowed only across a kill). */
    repeated: [...perRecipient].filter(([, e]) => e.deliveries > 1).map(([to]) => to),
    redeliveries: [...perRecipient.values()].reduce((n, e) => n + e.deliveries - 1, 0),
  };
}

/**
 * The crash tests' rounds: each round starts every sender, each killed right after the n-th mail of
 * the round reaches `smtp` (n in 1..`maxMails`, drawn per sender from a seeded sequence); then the
 * killed runs' claims are left to expire and every sender finishes the outbox at once. Returns the
 * runs killed and the mails delivered before the final runs.
 */
export async function crashRounds(
  smtp: { received: readonly ReceivedMail[]; waitForCount(count: number, signal: AbortSignal): Promise<unknown> },
  senders: readonly { data: string; env: NodeJS.ProcessEnv }[],
  options: { rounds: number; maxMails: number; leaseMs: number; seed: number },
): Promise<{ kills: number; killedAt: number }> {
  let seed = options.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let kills = 0;
  for (let round = 0; round < options.rounds; round++) {
    const before = smtp.received.length;
    const roundOver = new AbortController();
    const results = await Promise.all(senders.map(({ data, env }) => runSender(data, env, smtp.waitForCount(before + 1 + Math.floor(random() * options.maxMails), roundOver.signal))));
    roundOver.abort();
    for (const result of results) {
      if (result.signal === 'SIGKILL') kills++;
      else assert.equal(result.code, 0, result.stderr);
    }
  }
  const killedAt = smtp.received.length;
  await new Promise((r) => setTimeout(r, options.leaseMs + 200));
  const final = await Promise.all(senders.map(({ data, env }) => runSender(data, env)));
  for (const result of final) assert.equal(result.code, 0, result.stderr);
  await new Promise((r) => setTimeout(r, 300));
  return { kills, killedAt };
}
