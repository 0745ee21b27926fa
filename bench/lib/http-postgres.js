// bench:http's `postgres` scenario: the keyword API on two `serve` instances sharing one PostgreSQL
// database (a load balancer's round robin: each instance gets half the connections) beside one
// instance on the SQLite file, with the same worker processes in all (WORKERS for SQLite, half each
// for the two PostgreSQL instances) and no model in either (keyword search needs none; no
// background embedding takes CPU). The corpus is imported into a fresh database of a throwaway
// durable cluster (bench/lib/pg-cluster.js) with `paperboy import`. Asserts nothing.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startService } from './http-service.js';

/** Closed-loop keyword load on `urls` at once (connections split between them); one row. */
async function keywordLoad(name, urls, { connections, seconds, keywordPath, next }) {
  const share = Math.max(1, Math.floor(connections / urls.length));
  const results = await Promise.all(urls.map((url) => autocannon({
    url, connections: share, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, path: keywordPath(next()) }) }],
  })));
  const worst = (pick) => Math.max(...results.map(pick));
  const sum = (pick) => results.reduce((n, r) => n + pick(r), 0);
  return {
    scenario: name, requestsPerS: Math.round(sum((r) => r.requests.average)),
    // With two instances the percentiles are the worse instance's (autocannon keeps no shared histogram).
    p50Ms: worst((r) => r.latency.p50), p90Ms: worst((r) => r.latency.p90), p99Ms: worst((r) => r.latency.p99), maxMs: worst((r) => r.latency.max),
    non2xx: sum((r) => r.non2xx), errors: sum((r) => r.errors), timeouts: sum((r) => r.timeouts), total: sum((r) => r.requests.total),
  };
}

/**
 * @param {{ root: string, dataDir: string, corpusFile: string, workers: number, connections: number, seconds: number,
 *   keywordPath: (q: string) => string, next: () => string, log: (...a: unknown[]) => void }} opts
 */
export async function keywordOnPostgres({ root, dataDir, corpusFile, workers, connections, seconds, keywordPath, next, log }) {
  const { findPostgresBin, startBenchCluster } = await import('./pg-cluster.js');
  if (!findPostgresBin()) {
    log('postgres: PostgreSQL is not installed (no initdb): scenario skipped');
    return { rows: [], summary: { skipped: 'PostgreSQL is not installed' } };
  }
  const noModel = join(root, '.bench', 'http-no-model');
  const load = { connections, seconds, keywordPath, next };
  const rows = [];
  const perInstance = Math.max(1, Math.floor(workers / 2));

  // One instance on the SQLite file, as the base scenario runs it but without a model.
  const sqlite = await startService({ root, dataDir, modelDir: noModel, workers, log });
  try {
    for (let i = 0; i < 100; i++) await fetch(sqlite.url + keywordPath(next()));
    rows.push(await keywordLoad(`GET /api/search keyword, 1 instance on SQLite (${workers} workers)`, [sqlite.url], load));
  } finally {
    await sqlite.stop();
  }

  const cluster = await startBenchCluster();
  const dirs = ['a', 'b'].map((name) => join(root, '.bench', `http-pg-${name}`));
  try {
    const url = await cluster.createDatabase();
    const env = { PAPERBOY_DATABASE_URL: url };
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    log(`postgres: importing ${corpusFile} into a fresh database`);
    const started = performance.now();
    const imported = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), 'import', corpusFile, '--data', dirs[0], '--no-progress'], {
      env: { ...process.env, ...env, PAPERBOY_DATA: '', PAPERBOY_MODEL_DIR: noModel, PAPERBOY_MODEL_DOWNLOAD: '0' }, stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (imported.status !== 0 && imported.status !== 1) throw new Error(`postgres: import failed (exit ${imported.status})`);
    const importS = Math.round((performance.now() - started) / 100) / 10;
    const instances = [];
    try {
      for (const dir of dirs) instances.push(await startService({ root, dataDir: dir, modelDir: noModel, workers: perInstance, env, log }));
      for (const instance of instances) for (let i = 0; i < 100; i++) await fetch(instance.url + keywordPath(next()));
      rows.push(await keywordLoad(`GET /api/search keyword, 2 instances on one PostgreSQL (${perInstance} workers each)`, instances.map((s) => s.url), load));
    } finally {
      await Promise.all(instances.map((s) => s.stop()));
    }
    const [one, two] = rows;
    return { rows, summary: { importS, sqliteRequestsPerS: one.requestsPerS, postgresTwoInstancesRequestsPerS: two.requestsPerS, ratio: Math.round((100 * two.requestsPerS) / Math.max(1, one.requestsPerS)) / 100 } };
  } finally {
    await cluster.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
