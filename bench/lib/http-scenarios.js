// bench:http's scenarios for a service that must never stall (issue 13), each on its own service:
// recovery after saturation, hybrid from a cold start, keyword while the service embeds at full
// speed. Chosen with BENCH_HTTP_SCENARIOS (bench/http.js). Each returns rows for the table and a
// summary with its targets; none asserts anything.

import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { openLoopInChild } from './open-loop.js';
import { machineLoad } from './http-service.js';

const WINDOW_S = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rows, one per 5-s window of an open-loop run. */
function windowRows(name, result, load) {
  return result.windows.map((w, i) => ({
    scenario: `${name}, window ${i + 1} (${w.fromS}-${w.fromS + WINDOW_S} s)`, requestsPerS: Math.round(w.total / WINDOW_S),
    p50Ms: w.p50Ms, p90Ms: w.p90Ms, p99Ms: w.p99Ms, maxMs: w.maxMs, non2xx: i === 0 ? result.non2xx : 0, errors: i === 0 ? result.errors : 0, timeouts: 0, ...load,
  }));
}

/**
 * Recovery: keyword at 500 req/s in 5-s windows right after 15 s of saturation (50 connections as
 * fast as they go). Target: p99 <= 100 ms in every window from the 2nd on.
 */
export async function recovery({ url, keywordPath, next, connections, seconds = 30 }) {
  for (let i = 0; i < 100; i++) await fetch(url + keywordPath(next()));
  const loadOf = machineLoad(readFileSync);
  const saturation = await autocannon({ url, connections, duration: 15, requests: [{ setupRequest: (req) => ({ ...req, path: keywordPath(next()) }) }] });
  const paths = Array.from({ length: 500 * seconds }, () => keywordPath(next()));
  const result = await openLoopInChild({ url, rate: 500, seconds, connections, paths, windowSeconds: WINDOW_S });
  const load = loadOf();
  const rows = [
    { scenario: 'keyword, 50 connections as fast as they go for 15 s (the saturation)', requestsPerS: Math.round(saturation.requests.average), p50Ms: saturation.latency.p50, p90Ms: saturation.latency.p90, p99Ms: saturation.latency.p99, maxMs: saturation.latency.max, non2xx: saturation.non2xx, errors: saturation.errors, timeouts: saturation.timeouts },
    ...windowRows('keyword @ 500 req/s right after saturation', result, load),
  ];
  const worstFrom2nd = Math.max(...result.windows.slice(1).map((w) => w.p99Ms));
  return { rows, summary: { target: 'keyword p99 <= 100 ms in every 5-s window from the 2nd on', windowP99Ms: result.windows.map((w) => w.p99Ms), worstFrom2ndMs: worstFrom2nd, met: worstFrom2nd <= 100, ...load } };
}

/**
 * Hybrid at 100 req/s on a service just started (ready: its keyword searches answer quickly; no
 * hybrid request before), in 5-s windows. Targets: p99 <= 150 ms in the first window, <= 60 ms steady
 * (the worst of the last three windows).
 */
export async function cold({ url, hybridPath, next, connections, seconds = 30 }) {
  const loadOf = machineLoad(readFileSync);
  const paths = Array.from({ length: 100 * seconds }, () => hybridPath(next()));
  const result = await openLoopInChild({ url, rate: 100, seconds, connections, paths, windowSeconds: WINDOW_S });
  const load = loadOf();
  const coldP99 = result.windows[0].p99Ms;
  const steadyP99 = Math.max(...result.windows.slice(-3).map((w) => w.p99Ms));
  return {
    rows: windowRows('hybrid @ 100 req/s from a cold start', result, load),
    summary: { target: 'hybrid p99 <= 150 ms in the first 5 s, <= 60 ms steady (worst of the last three windows)', coldP99Ms: coldP99, steadyP99Ms: steadyP99, met: coldP99 <= 150 && steadyP99 <= 60, overall: result, ...load },
  };
}

/** Deletes the vectors of the `count` newest papers, so that a service started next embeds them. */
export function unembed(dbFile, modelId, count) {
  const db = new Database(dbFile);
  try {
    return db.prepare(`DELETE FROM paper_embeddings WHERE model = ? AND paper_seq IN (SELECT paper_seq FROM paper_embeddings WHERE model = ? ORDER BY paper_seq DESC LIMIT ?)`).run(modelId, modelId, count).changes;
  } finally {
    db.close();
  }
}

/**
 * Papers/s the service embeds during `ms`, from the stored vector count polled every 250 ms. Vectors
 * are saved 32 at a time, so the rate is taken between the first and the last step of the count in
 * the interval, not between its ends (which would count a step or two too few or too many).
 */
async function embeddingRate(dbFile, modelId, ms) {
  const db = new Database(dbFile, { readonly: true });
  const count = db.prepare('SELECT COUNT(*) AS n FROM paper_embeddings WHERE model = ?');
  const steps = [];
  const startCount = count.get(modelId).n;
  let last = startCount;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await sleep(250);
    const n = count.get(modelId).n;
    if (n !== last) steps.push({ t: performance.now(), n });
    last = n;
  }
  const end = { t: performance.now(), n: count.get(modelId).n };
  db.close();
  // Fewer than two steps (a very slow or very busy machine): between the ends, coarse.
  if (steps.length < 2) return { papersPerS: Math.round(((end.n - startCount) / ((end.t - start) / 1000)) * 10) / 10, steps: steps.length, papers: end.n - startCount, coarse: true };
  const first = steps[0];
  const final = steps.at(-1);
  return { papersPerS: Math.round(((final.n - first.n) / ((final.t - first.t) / 1000)) * 10) / 10, steps: steps.length, papers: final.n - first.n };
}

/**
 * Keyword at 200 req/s while the same service embeds at full speed (its background loop on papers
 * whose vectors were removed before it started). Targets: keyword p99 <= 50 ms, and the embedding
 * rate under the load at least 70 % of its rate without requests.
 */
export async function duringEmbedding({ url, keywordPath, next, connections, dbFile, modelId, seconds = 30, log }) {
  for (let i = 0; i < 100; i++) await fetch(url + keywordPath(next()));
  // The embedding loop starts with the service; wait for its first saved batch.
  const db = new Database(dbFile, { readonly: true });
  const count = () => db.prepare('SELECT COUNT(*) AS n FROM paper_embeddings WHERE model = ?').get(modelId).n;
  const first = count();
  for (let waited = 0; count() === first && waited < 120_000; waited += 500) await sleep(500);
  db.close();
  const idleLoadOf = machineLoad(readFileSync);
  const idle = await embeddingRate(dbFile, modelId, seconds * 1000);
  const idleLoad = idleLoadOf();
  log(`embedding without requests: ${idle.papersPerS} papers/s`);
  const loadOf = machineLoad(readFileSync);
  const paths = Array.from({ length: 200 * seconds }, () => keywordPath(next()));
  const [result, busy] = await Promise.all([
    openLoopInChild({ url, rate: 200, seconds, connections, paths, windowSeconds: WINDOW_S }),
    embeddingRate(dbFile, modelId, seconds * 1000),
  ]);
  const load = loadOf();
  const fallPct = idle.papersPerS ? Math.round((1000 * (idle.papersPerS - busy.papersPerS)) / idle.papersPerS) / 10 : null;
  const { windows: _w, ...overall } = result;
  return {
    rows: [{ scenario: `keyword @ 200 req/s while the service embeds (papers/s embedded: ${idle.papersPerS} without requests, ${busy.papersPerS} under them)`, ...overall, timeouts: 0, ...load }],
    summary: {
      target: 'keyword p99 <= 50 ms at 200 req/s; embedding rate falls <= 30 %',
      keyword: { p50Ms: result.p50Ms, p99Ms: result.p99Ms, maxMs: result.maxMs, windowP99Ms: result.windows.map((w) => w.p99Ms) },
      embedIdle: idle, embedUnderLoad: busy, rateFallPct: fallPct, idleLoad, load,
      met: result.p99Ms <= 50 && fallPct !== null && fallPct <= 30,
    },
  };
}
