// In-process lexical latency for bench/scale.js (the figure the 1M target is stated in, as
// bench:search measures it): a child process of the measured installation opens its search service
// over a data dir, as `paperboy serve` does, and times `engine.search` (lexical, limit 10, hits and
// snippets read from SQLite) over the fixed queries: one unmeasured pass (first sight of each term:
// postings come off the page cache), then `rounds` measured passes. Usage (child):
//   node scale-inprocess.js <installRoot> <dataDir> <queries.json> [rounds]
// prints one JSON line { open: ms, first: percentiles, rounds: [percentiles...], segments, rssMb }.
// Works with an installation from before the on-disk index too (its open is the in-memory build).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentiles } from './scale-queries.js';

/** Runs the measurement in a child process (the installation's own dist/); resolves with its JSON. */
export async function inProcessLexical(installRoot, dataDir, queries, rounds = 2) {
  const file = join(tmpdir(), `paperboy-scale-queries-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(queries));
  const child = spawn(process.execPath, [import.meta.filename, installRoot, dataDir, file, String(rounds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`in-process measurement exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

if (process.argv[1] === import.meta.filename) {
  const [installRoot, dataDir, queryFile, roundsText = '2'] = process.argv.slice(2);
  const dist = (p) => import(pathToFileURL(join(installRoot, 'dist', p)).href);
  const { createSqlitePaperStore } = await dist('adapters/sqlite/paper-store.js');
  const { createSearchService } = await dist('app/search/search-service.js');
  // An installation from before issue 12 has no on-disk index: its engine is built in memory by the first refresh.
  const indexModule = await dist('adapters/index-files/writer-thread.js').catch(() => dist('adapters/index-files/index-directory.js')).catch(() => null);
  const queries = JSON.parse(readFileSync(queryFile, 'utf8'));
  const store = createSqlitePaperStore(join(dataDir, 'paperboy.db'));
  const logger = { debug() {}, info() {}, warn() {}, error(event, fields) { console.error(event, fields); } };
  const started = performance.now();
  // PAPERBOY_POSTINGS_CACHE_MB as `paperboy` reads it (unset: the installation's default).
  const cacheMb = process.env.PAPERBOY_POSTINGS_CACHE_MB;
  const directory = indexModule ? { directory: indexModule.createIndexDirectory(join(dataDir, 'index'), cacheMb ? { postingsCacheBytes: Number(cacheMb) * 1048576 } : {}) } : {};
  const service = createSearchService({ store, embedder: null, model: null, logger, ...directory });
  await service.refresh();
  const open = Math.round(performance.now() - started);
  const pass = async () => {
    const samples = [];
    for (const query of queries) {
      const t = performance.now();
      await service.engine.search({ query, mode: 'lexical', limit: 10 });
      samples.push(performance.now() - t);
    }
    return percentiles(samples);
  };
  const first = await pass();
  const measured = [];
  for (let r = 0; r < Number(roundsText); r++) measured.push(await pass());
  console.log(JSON.stringify({ open, first, rounds: measured, segments: service.status?.().segments ?? null, rssMb: Math.round(process.memoryUsage().rss / 1048576) }));
  process.exit(0);
}
