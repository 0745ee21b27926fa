// npm run bench:http — requests per second and latency percentiles of the search API and the
// search page on the 75k corpus on loopback, against the real `paperboy serve` in a child process:
// offered load at fixed rates (open loop, bench/lib/open-loop.js) for the targets, and 50 clients
// as fast as they go (autocannon) for throughput. Peers in the same run: /healthz (the HTTP floor) and the
// trending page. Prints a table and writes .bench/http.json; asserts nothing.
//
// Papers not embedded yet get stand-in vectors (perturbed copies of real ones, saved with the
// right text hash), as in bench:search: embedding 75k papers takes over an hour on 2 cores, and
// vector search latency does not depend on where the vectors came from. Query embeddings are real.
// BENCH_HTTP_SECONDS (default 15) per closed-loop scenario, BENCH_HTTP_RATE_SECONDS (default 30)
// per offered-load scenario (long enough to take in a major garbage collection of a worker),
// BENCH_HTTP_CONNECTIONS (default 50).
//
// BENCH_HTTP_SCENARIOS (default all: base,recovery,cold,embed,postgres) chooses, comma-separated:
//   base      the table above (HTTP floor, offered-load targets, throughput), on one warmed service;
//   recovery  keyword @ 500 req/s in 5-s windows right after 15 s of saturation;
//   cold      hybrid @ 100 req/s in 5-s windows on a service just started (no hybrid request before;
//             started = GET /readyz answers 200, see bench/lib/http-service.js);
//   embed     keyword @ 200 req/s while the service embeds at full speed (BENCH_HTTP_EMBED_PAPERS,
//             default 3000, newest papers lose their vectors first), with the embedding rate
//             without requests and under them.
//   postgres  keyword API as fast as 50 connections go: two instances on one PostgreSQL database
//             (the corpus imported into a throwaway cluster) beside one on SQLite, same worker
//             processes in all (bench/lib/http-postgres.js); skipped without PostgreSQL installed.
// Each of cold, embed and postgres starts its own services (bench/lib/http-scenarios.js).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import autocannon from 'autocannon';
import { openLoopInChild } from './lib/open-loop.js';
import { cold, duringEmbedding, recovery, unembed } from './lib/http-scenarios.js';
import { keywordOnPostgres } from './lib/http-postgres.js';
import { startService } from './lib/http-service.js';
import Database from 'better-sqlite3';

const root = resolve(import.meta.dirname, '..');
const dist = (p) => import(join(root, 'dist', p));
const { createSqlitePaperStore } = await dist('adapters/sqlite/paper-store.js');
const { hasModel, loadOnnxEmbedder } = await dist('adapters/embedding/onnx-embedder.js');
const { paperEmbeddingText } = await dist('ports/embedder.js');

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 15);
const RATE_SECONDS = Number(process.env.BENCH_HTTP_RATE_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 50);
const WORKERS = Number(process.env.BENCH_HTTP_WORKERS ?? cpus().length);
const corpusFile = process.env.BENCH_CORPUS ?? resolve(root, '..', 'shared', 'data', 'arxiv-75k.jsonl.gz');
const modelDir = process.env.PAPERBOY_MODEL_DIR ?? join(root, 'models', 'bge-small-en-v1.5'); // the default model (src/config/models.ts)
const dataDir = join(root, '.bench', 'http');
const log = (...a) => console.error('[bench:http]', ...a);
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

// 1. The corpus in a Paperboy data directory (reusing bench:search's partially embedded copy).
mkdirSync(dataDir, { recursive: true });
const dbFile = join(dataDir, 'paperboy.db');
if (!existsSync(dbFile)) {
  const searchDb = join(root, '.bench', 'data', 'paperboy.db');
  if (existsSync(searchDb)) {
    const db = new Database(searchDb);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    copyFileSync(searchDb, dbFile);
    log('copied the corpus from .bench/data');
  } else {
    log(`importing ${corpusFile}`);
    const r = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), 'import', corpusFile, '--data', dataDir], { stdio: 'inherit' });
    if (r.status !== 0 && r.status !== 1) throw new Error('import failed');
  }
}

// 2. Stand-in vectors for papers without an embedding.
const embedder = hasModel(modelDir) ? await loadOnnxEmbedder(modelDir) : null;
if (embedder) {
  const store = createSqlitePaperStore(dbFile);
  const { jobs } = await store.embeddingsNeeded(embedder.modelId, paperEmbeddingText);
  if (jobs.length > 0) {
    const real = [];
    for await (const { vector } of store.scanEmbeddings(embedder.modelId)) if (real.length < 500) real.push(vector);
    if (real.length === 0) real.push(...(await embedder.embedDocuments(jobs.slice(0, 64).map((j) => j.text))));
    const dims = embedder.dims;
    for (let i = 0; i < jobs.length; i += 2000) {
      const batch = jobs.slice(i, i + 2000).map((j) => {
        const c = real[Math.floor(rand() * real.length)];
        const v = new Float32Array(dims);
        let n = 0;
        for (let d = 0; d < dims; d++) { v[d] = c[d] + 0.08 * (rand() * 2 - 1); n += v[d] * v[d]; }
        n = Math.sqrt(n);
        for (let d = 0; d < dims; d++) v[d] /= n;
        return { seq: j.seq, textHash: j.textHash, vector: v };
      });
      await store.saveEmbeddings(embedder.modelId, batch);
    }
    log(`${jobs.length} stand-in vectors saved (${real.length} real vectors as centres)`);
  }
  await store.close();
} else {
  log(`no model in ${modelDir}: hybrid mode falls back to keyword; run npm run model:fetch`);
}

// 3. Queries: 2-5 title words of every 149th paper (the same set as bench:search), cycling; and for
// hybrid scenarios, queries that never repeat in a run (from every 4th paper), since the service
// keeps the vectors of recent query texts and a repeated text would skip the embedding.
const queries = [];
const fresh = [];
{
  const lines = createInterface({ input: createReadStream(corpusFile).pipe(createGunzip()) });
  const queryOf = (title) => {
    const words = title.split(/\s+/).filter((w) => /^[A-Za-z][A-Za-z-]{2,}$/.test(w));
    if (words.length < 2) return null;
    const n = Math.min(words.length, 2 + Math.floor(rand() * 4));
    const start = Math.floor(rand() * (words.length - n + 1));
    return words.slice(start, start + n).join(' ');
  };
  let i = 0;
  const titles = [];
  const others = [];
  for await (const line of lines) {
    if (i % 149 === 0) titles.push(JSON.parse(line).title);
    else if (i % 4 === 0) others.push(JSON.parse(line).title);
    i++;
  }
  for (const title of titles) {
    const q = queryOf(title);
    if (q && queries.length < 500) queries.push(q);
  }
  const seen = new Set();
  for (const title of others) {
    const q = queryOf(title);
    if (q && !seen.has(q.toLowerCase())) { seen.add(q.toLowerCase()); fresh.push(q); }
  }
}
let cycling = 0;
let unused = 0;
let wrapped = false;
const nextQuery = { cycling: () => queries[cycling++ % queries.length], fresh: () => { if (unused === fresh.length) { unused = 0; wrapped = true; } return fresh[unused++]; } };

// 4. The real service, one worker process per core (`serve --workers`), on a free port.
// BENCH_HTTP_NODE_ARGS: extra node flags for the service (e.g. --trace-gc, printed on stdout).
const nodeArgs = process.env.BENCH_HTTP_NODE_ARGS ? process.env.BENCH_HTTP_NODE_ARGS.split(' ') : [];
const SCENARIO_NAMES = ['base', 'recovery', 'cold', 'embed', 'postgres'];
const SCENARIOS = new Set((process.env.BENCH_HTTP_SCENARIOS ?? SCENARIO_NAMES.join(',')).split(',').map((x) => x.trim()).filter(Boolean));
for (const name of SCENARIOS) if (!SCENARIO_NAMES.includes(name)) throw new Error(`BENCH_HTTP_SCENARIOS: unknown scenario ${name} (${SCENARIO_NAMES.join(', ')})`);
const service = () => startService({ root, dataDir, modelDir, workers: WORKERS, nodeArgs, log });
const stats = await (async () => { const store = createSqlitePaperStore(dbFile); try { return await store.stats(); } finally { await store.close(); } })();
const running = SCENARIOS.has('base') || SCENARIOS.has('recovery') ? await service() : null;
const url = running?.url;
const ONLY = process.env.BENCH_HTTP_ONLY; // run only scenarios whose name contains this
// CPU time the hypervisor gave to others while a scenario ran (Linux /proc/stat "steal"): this
// machine is a VM, and a share of its cores going elsewhere shows up as latency.
const cpuTicks = () => {
  try {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
};

async function scenario(name, pathFor, rate) {
  if (!SCENARIOS.has('base') || (ONLY && !name.includes(ONLY))) return null;
  const ticksBefore = cpuTicks();
  const next = name.includes('hybrid') ? nextQuery.fresh : nextQuery.cycling;
  // Warm-up (JIT, caches), then the measured run.
  for (let i = 0; i < 100; i++) await fetch(url + pathFor(next()));
  let row;
  if (rate) {
    // Offered load: an open-loop generator (in its own process) issues `rate` requests a second at
    // even intervals, up to CONNECTIONS in flight, latency counted from each request's due time.
    const paths = Array.from({ length: Math.round(rate * RATE_SECONDS) }, () => pathFor(next()));
    const r = await openLoopInChild({ url, rate, seconds: RATE_SECONDS, connections: CONNECTIONS, paths });
    row = { scenario: name, ...r, timeouts: 0 };
  } else {
    const result = await autocannon({
      url, connections: CONNECTIONS, duration: SECONDS,
      requests: [{ setupRequest: (req) => ({ ...req, path: pathFor(next()) }) }],
    });
    row = {
      scenario: name, requestsPerS: Math.round(result.requests.average), p50Ms: result.latency.p50, p90Ms: result.latency.p90, p99Ms: result.latency.p99,
      maxMs: result.latency.max, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, total: result.requests.total,
    };
  }
  const ticksAfter = cpuTicks();
  if (ticksBefore && ticksAfter) row.stealPct = Math.round((1000 * (ticksAfter.steal - ticksBefore.steal)) / Math.max(1, ticksAfter.total - ticksBefore.total)) / 10;
  row.at = new Date().toISOString();
  log(JSON.stringify(row));
  return row;
}

const enc = encodeURIComponent;
const rows = [];
const keywordApi = (q) => `/api/search?q=${enc(q)}&mode=keyword&limit=10`;
const hybridApi = (q) => `/api/search?q=${enc(q)}&mode=hybrid&limit=10`;
rows.push(await scenario('GET /healthz (HTTP floor: paper count cached 5 s)', () => '/healthz'));
// The targets as offered load (open loop, even arrivals, up to 50 in flight) on the warmed service:
// keyword three times over (a worker's major garbage collection may fall in any window), hybrid once.
for (const run of [1, 2, 3]) rows.push(await scenario(`GET /api/search keyword @ 500 req/s offered (window ${run}/3)`, keywordApi, 500));
rows.push(await scenario('GET /api/search hybrid @ 100 req/s offered', hybridApi, 100));
// Throughput: as fast as 50 connections go (closed loop, autocannon).
rows.push(await scenario('GET /api/search keyword', keywordApi));
rows.push(await scenario('GET /search page keyword', (q) => `/search?q=${enc(q)}&mode=keyword`));
rows.push(await scenario('GET /api/search hybrid', hybridApi));
rows.push(await scenario('GET /search page hybrid', (q) => `/search?q=${enc(q)}&mode=hybrid`));
rows.push(await scenario('GET / trending page (week)', () => '/?period=week'));
// Recovery: the keyword target again right after those saturation runs, then beyond the targets.
for (const run of [1, 2]) rows.push(await scenario(`GET /api/search keyword @ 500 req/s offered, after saturation (window ${run}/2)`, keywordApi, 500));
rows.push(await scenario('GET /api/search keyword @ 700 req/s offered', keywordApi, 700));
rows.push(await scenario('GET /api/search hybrid @ 130 req/s offered', hybridApi, 130));

// Issue 13: a service that never stalls.
const summaries = {};
const section = (name, result) => { summaries[name] = result.summary; rows.push(...result.rows.map((r) => ({ ...r, at: new Date().toISOString() }))); log(name, JSON.stringify(result.summary)); };
if (SCENARIOS.has('recovery')) section('recovery', await recovery({ url, keywordPath: keywordApi, next: nextQuery.cycling, connections: CONNECTIONS }));
await running?.stop();
if (SCENARIOS.has('cold')) {
  const fresh = await service();
  section('cold', await cold({ url: fresh.url, hybridPath: hybridApi, next: nextQuery.fresh, connections: CONNECTIONS }));
  summaries.cold.readyS = fresh.readyS;
  summaries.cold.keywordReadyS = fresh.keywordReadyS;
  await fresh.stop();
}
if (SCENARIOS.has('embed') && embedder) {
  const removed = unembed(dbFile, embedder.modelId, Number(process.env.BENCH_HTTP_EMBED_PAPERS ?? 3000));
  log(`removed the vectors of ${removed} papers: the service embeds them`);
  const embedding = await service();
  section('embed', await duringEmbedding({ url: embedding.url, keywordPath: keywordApi, next: nextQuery.cycling, connections: CONNECTIONS, dbFile, modelId: embedder.modelId, log }));
  await embedding.stop();
}

if (SCENARIOS.has('postgres')) {
  section('postgres', await keywordOnPostgres({ root, dataDir, corpusFile, workers: WORKERS, connections: CONNECTIONS, seconds: SECONDS, keywordPath: keywordApi, next: nextQuery.cycling, log }));
}

const out = { machine: `${cpus().length}x ${cpus()[0]?.model}`, node: process.version, at: new Date().toISOString(), papers: stats.papers, workers: WORKERS, connections: CONNECTIONS, seconds: SECONDS, rateSeconds: RATE_SECONDS, queries: queries.length, hybridQueries: unused, hybridWrapped: wrapped, model: embedder?.modelId ?? null, rows: rows.filter(Boolean), scenarios: [...SCENARIOS], summaries };
writeFileSync(join(root, '.bench', 'http.json'), JSON.stringify(out, null, 2));
console.log(`\n${out.papers} papers, ${WORKERS} workers, ${CONNECTIONS} connections, ${SECONDS} s per scenario (${RATE_SECONDS} s offered load), keyword: ${queries.length} queries cycling, hybrid: ${unused} distinct queries, none repeated${wrapped ? ' (WRAPPED: some were repeated)' : ''}, ${out.machine}\n`);
console.log('| scenario | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | CPU steal % |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows.filter(Boolean)) console.log(`| ${r.scenario} | ${r.requestsPerS} | ${r.p50Ms} | ${r.p90Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.non2xx} | ${r.errors + r.timeouts} | ${r.stealPct ?? '-'} |`);
for (const [name, summary] of Object.entries(summaries)) console.log(`\n${name}: ${summary.target ? `${summary.met ? 'MET' : 'MISSED'} (${summary.target})` : 'no target (a comparison)'}\n${JSON.stringify(summary)}`);
