// The figures of one scale for bench/scale.js, with one installation of Paperboy (`installRoot`:
// a folder with bin/ and dist/, the worktree itself or a copy of an older build as the peer):
// index build and open (`paperboy index`, when the installation has it), index bytes on disk, CLI
// search wall times, serve's time to the first search answer, lexical and hybrid p50/p99 over HTTP,
// and RSS/PSS of `serve --workers 1` and `--workers 2`.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { duBytes } from './scale-data.js';
import { paperboy, startServe, treeMemory } from './scale-process.js';
import { percentiles } from './scale-queries.js';
import { inProcessLexical } from './scale-inprocess.js';

const HOUR = 3_600_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 2) => (x === null || x === undefined ? null : Number(x.toFixed(d)));

/** True when this installation has the `paperboy index` command (issue 12). */
export async function hasIndexCommand(installRoot) {
  const r = await paperboy(installRoot, ['--help'], { timeoutMs: 60_000 });
  return /^\s+index\b/m.test(r.stdout);
}

/** Lines of serve's JSON log whose text mentions `name` (e.g. index.opened), parsed where they parse. */
function logLines(text, name) {
  return text.split('\n').filter((l) => l.includes(name)).slice(0, 4).map((l) => { try { return JSON.parse(l); } catch { return l.slice(0, 300); } });
}

/** Sequential requests (one client, loopback), after `warm` warm-up requests: ms per answer. */
async function httpLatency(url, queries, mode, warmQueries) {
  const ask = async (q) => {
    const res = await fetch(`${url}/api/search?q=${encodeURIComponent(q)}&mode=${mode}&limit=10`);
    if (!res.ok) throw new Error(`search ${mode} ${JSON.stringify(q)}: HTTP ${res.status}`);
    await res.arrayBuffer();
  };
  for (const q of warmQueries) await ask(q);
  const samples = [];
  for (const q of queries) {
    const t = performance.now();
    await ask(q);
    samples.push(performance.now() - t);
  }
  return percentiles(samples);
}

/**
 * Measures one scale with one installation. `options`: { name, dir, installRoot, queries (measured),
 * warmQueries (warm-up, never measured: hybrid answers of a repeated text skip the query embedding),
 * log, cliRuns (default 3), timeoutMs, vectors (false: no hybrid figures), extraEnv (for every
 * command of the installation), f (filled in as
 * measured), save (called after each step) }.
 */
export async function measureScale({ name, dir, installRoot, queries, warmQueries, log, cliRuns = 3, timeoutMs = 2 * HOUR, vectors = true, extraEnv = {}, f = {}, save = () => {} }) {
  const env = { PAPERBOY_DATA: dir, ...extraEnv };
  Object.assign(f, { installRoot, loadBefore: round(loadavg()[0]) });
  const say = (m) => log(`${name} [${installRoot}]: ${m}`);
  // The floor of every CLI figure on this machine at this moment: process start and module loading only.
  const floor = await paperboy(installRoot, ['--help'], { env, timeoutMs });
  f.cliFloorSeconds = round(floor.seconds);

  // 1. The persistent index: build from scratch, bytes, open.
  f.indexCommand = await hasIndexCommand(installRoot);
  if (f.indexCommand) {
    // Where there is no index yet, the first open builds it and `--rebuild` would then build it a
    // second time: `index --json` measures the one build. Otherwise `index --rebuild --json`.
    // BENCH_SCALE_REBUILD=0 keeps an index that is there (the import builds one at its end, so its
    // time is in the data dir's import figure): only the open and the searches are measured.
    const exists = existsSync(join(dir, 'index', 'MANIFEST'));
    if (exists && process.env.BENCH_SCALE_REBUILD === '0') {
      f.indexBuild = { skipped: 'BENCH_SCALE_REBUILD=0: the index the import built (its time is in the import figure)' };
      say('index kept (BENCH_SCALE_REBUILD=0)');
    } else {
      const args = exists ? ['index', '--rebuild', '--json'] : ['index', '--json'];
      say(`paperboy ${args.join(' ')}`);
      const build = await paperboy(installRoot, args, { env, timeoutMs });
      f.indexBuild = { command: `paperboy ${args.join(' ')}`, seconds: round(build.seconds, 1), peakRssMb: build.peakRssMb, code: build.code, timedOut: build.timedOut, output: build.stdout.trim().slice(-2000) };
      if (build.code !== 0) say(`index --rebuild exited ${build.code}: ${build.stderr.slice(-1000)}`);
    }
    f.indexBytes = duBytes(join(dir, 'index'));
    const opens = [];
    for (let i = 0; i < 3; i++) {
      const open = await paperboy(installRoot, ['index', '--json'], { env, timeoutMs });
      opens.push(open);
      if (open.code !== 0) { say(`index --json exited ${open.code}: ${open.stderr.slice(-1000)}`); break; }
    }
    // `index --json` reports the open as the process measured it (openMs), besides the wall time with process start.
    const openMs = opens.map((o) => { try { return JSON.parse(o.stdout).openMs ?? null; } catch { return null; } });
    f.indexOpen = { seconds: opens.map((o) => round(o.seconds)), medianSeconds: round(median(opens.map((o) => o.seconds))), openMs, medianOpenMs: median(openMs.filter((x) => x !== null)) ?? null, peakRssMb: opens.at(-1).peakRssMb, output: opens.at(-1).stdout.trim().slice(-2000) };
    save();
    say(`index built in ${f.indexBuild.seconds ?? '(kept)'} s, ${(f.indexBytes / 1048576).toFixed(0)} MB on disk, index --json ${f.indexOpen.medianSeconds} s`);
  } else {
    f.indexBytes = existsSync(join(dir, 'index')) ? duBytes(join(dir, 'index')) : 0;
    say('no `paperboy index` command in this installation: the index is built in memory at each start');
  }

  // 2. Lexical latency in process (engine.search with hits from SQLite, as bench:search measures it).
  if (f.indexCommand) {
    f.inProcess = await inProcessLexical(installRoot, dir, queries);
    save();
    say(`lexical in process: open ${f.inProcess.open} ms, first pass ${JSON.stringify(f.inProcess.first)}, then ${f.inProcess.rounds.map((r) => JSON.stringify(r)).join(', ')} (${f.inProcess.segments} segments)`);
  }

  // 3. serve --workers 1: first answer, latency over HTTP, memory.
  {
    const s = await startServe(installRoot, dir, 1, queries[0], { timeoutMs, env: extraEnv });
    try {
      f.serve1 = { listenSeconds: round(s.listenSeconds), firstSearchSeconds: round(s.firstSearchSeconds), memoryAtFirstAnswer: treeMemory(s.child.pid) };
      f.serve1.readySeconds = round(await s.waitReady());
      say(`serve --workers 1: listening after ${f.serve1.listenSeconds} s, first search answer after ${f.serve1.firstSearchSeconds} s, ready after ${f.serve1.readySeconds} s`);
      f.lexical = await httpLatency(s.url, queries, 'keyword', warmQueries);
      say(`lexical over HTTP: ${JSON.stringify(f.lexical)}`);
      if (vectors) {
        f.hybrid = await httpLatency(s.url, queries, 'hybrid', warmQueries);
        say(`hybrid over HTTP: ${JSON.stringify(f.hybrid)}`);
      }
      f.serve1.memory = treeMemory(s.child.pid);
      f.serve1.log = logLines(s.logs(), 'index.');
      save();
    } finally {
      await s.stop();
    }
  }
  // 3b. serve --workers 2: the same work, then memory.
  {
    const s = await startServe(installRoot, dir, 2, queries[0], { timeoutMs, env: extraEnv });
    try {
      f.serve2 = { listenSeconds: round(s.listenSeconds), firstSearchSeconds: round(s.firstSearchSeconds) };
      // Memory after the same work as `--workers 1` (ready, then the same query passes, spread over both
      // workers by the kernel), so that both read the same caches' worth of postings and vectors.
      f.serve2.readySeconds = round(await s.waitReady());
      f.serve2.lexical = await httpLatency(s.url, queries, 'keyword', warmQueries);
      if (vectors) f.serve2.hybrid = await httpLatency(s.url, queries, 'hybrid', warmQueries);
      say(`serve --workers 2: ready after ${f.serve2.readySeconds} s; lexical ${JSON.stringify(f.serve2.lexical)}${vectors ? `, hybrid ${JSON.stringify(f.serve2.hybrid)}` : ''}`);
      f.serve2.memory = treeMemory(s.child.pid);
    } finally {
      await s.stop();
    }
  }
  f.memoryRatio = { rss: round(f.serve2.memory.rssMb / f.serve1.memory.rssMb), pss: round(f.serve2.memory.pssMb / f.serve1.memory.pssMb) };
  save();
  say(`RSS workers 1: ${JSON.stringify(f.serve1.memory)}, workers 2: ${JSON.stringify(f.serve2.memory)}, ratio ${JSON.stringify(f.memoryRatio)}`);
  // 4. CLI search, process start and model load included (different queries each run, so no cache helps).
  for (const mode of vectors ? ['lexical', 'hybrid'] : ['lexical']) {
    const runs = [];
    for (let i = 0; i < cliRuns; i++) {
      const r = await paperboy(installRoot, ['search', '--mode', mode, '--limit', '10', warmQueries[i]], { env, timeoutMs });
      runs.push(r);
      if (r.code !== 0) { say(`search --mode ${mode} exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.slice(-500)}`); break; }
    }
    f[`cli_${mode}`] = { seconds: runs.map((r) => round(r.seconds)), medianSeconds: round(median(runs.map((r) => r.seconds))), peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? 0)), ok: runs.every((r) => r.code === 0) };
    say(`CLI search --mode ${mode}: ${f[`cli_${mode}`].seconds.join(', ')} s`);
    save();
  }

  f.loadAfter = round(loadavg()[0]);
  return f;
}

/** One row per scale and installation, for console.table and docs/performance.md. */
export function scaleTable(scales) {
  const rows = [];
  for (const [name, s] of Object.entries(scales)) {
    for (const [label, f] of Object.entries(s.figures ?? {})) {
      if (!f) continue;
      rows.push({
        scale: name,
        code: label,
        'import s': round(s.data.import?.seconds, 0),
        'papers/s': s.data.import?.papersPerSecond,
        'vectors s': round(s.data.vectors?.seconds, 0),
        'index build s': f.indexBuild?.seconds ?? '-',
        'index MB': f.indexBytes ? Math.round(f.indexBytes / 1048576) : '-',
        'open s (index --json wall / openMs)': f.indexOpen ? `${f.indexOpen.medianSeconds} / ${f.indexOpen.medianOpenMs === null || f.indexOpen.medianOpenMs === undefined ? '-' : round(f.indexOpen.medianOpenMs / 1000)}` : '-',
        'paperboy --help s (floor)': f.cliFloorSeconds,
        'CLI lexical s': f.cli_lexical ? (f.cli_lexical.ok ? f.cli_lexical.medianSeconds : 'failed') : '-',
        'CLI hybrid s': f.cli_hybrid ? (f.cli_hybrid.ok ? f.cli_hybrid.medianSeconds : 'failed') : '-',
        'serve 1st answer s': f.serve1?.firstSearchSeconds,
        'serve ready s (w1, w2)': f.serve1?.readySeconds != null ? `${f.serve1.readySeconds}, ${f.serve2?.readySeconds ?? '-'}` : '-',
        'lexical in process p50/p99 ms (last pass)': f.inProcess ? `${f.inProcess.rounds.at(-1).p50} / ${f.inProcess.rounds.at(-1).p99}` : '-',
        'lexical p50/p99 ms': f.lexical ? `${f.lexical.p50} / ${f.lexical.p99}` : '-',
        'hybrid p50/p99 ms': f.hybrid ? `${f.hybrid.p50} / ${f.hybrid.p99}` : '-',
        'RSS w1/w2 MB': f.serve2 ? `${f.serve1.memory.rssMb} / ${f.serve2.memory.rssMb}` : '-',
        'PSS w1/w2 MB': f.serve2 ? `${f.serve1.memory.pssMb} / ${f.serve2.memory.pssMb}` : '-',
        'w2/w1 RSS, PSS': f.memoryRatio ? `${f.memoryRatio.rss}, ${f.memoryRatio.pss}` : '-',
        'load avg before/after': `${f.loadBefore} / ${f.loadAfter ?? '-'}`,
      });
    }
  }
  return rows;
}

/** The rows of {@link scaleTable} as a Markdown table (for docs/performance.md). */
export function markdownTable(rows) {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0]);
  return [`| ${keys.join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${keys.map((k) => r[k] ?? '-').join(' | ')} |`)].join('\n');
}
