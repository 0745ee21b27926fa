// npm run bench:import: imports ../shared/data/arxiv-75k.jsonl.gz into a fresh data dir and prints
// papers/s, peak RSS and database size, next to two floors measured in the same run:
//   parse-floor  gunzip + JSON.parse only (what any importer pays before storing anything)
//   sqlite-floor gunzip + JSON.parse + bare INSERTs (no validation, no versions, no idempotency)
// Figures go to stdout and to .bench/import.json. Nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const file = process.argv[2] ?? resolve(root, '..', 'shared', 'data', 'arxiv-75k.jsonl.gz');
if (!existsSync(file)) {
  console.error(`bench:import: ${file} not found (pass a path)`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const runs = Number(process.env.BENCH_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'paperboy-bench-'));
const worker = (mode, dataDir) =>
  JSON.parse(execFileSync(process.execPath, [join(root, 'bench', 'import-worker.js'), mode, file, dataDir], { encoding: 'utf8', maxBuffer: 1 << 20 }));

const results = {};
try {
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `run-${i}`);
    for (const mode of ['parse-floor', 'sqlite-floor']) {
      (results[mode] ??= []).push(worker(mode, join(dir, mode)));
    }
    (results.paperboy ??= []).push(worker('paperboy', join(dir, 'pb')));
    (results['paperboy-again'] ??= []).push(worker('paperboy-again', join(dir, 'pb')));
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = Object.entries(results).map(([mode, rs]) => ({
  mode,
  records: rs[0].records,
  'papers/s (median)': Math.round(median(rs.map((r) => r.perSecond))),
  'seconds (median)': Number(median(rs.map((r) => r.seconds)).toFixed(2)),
  'peak RSS MB (max)': Math.round(Math.max(...rs.map((r) => r.peakRssMb))),
  'db MB': Number(rs[0].dbMb.toFixed(1)),
}));
console.log(`bench:import  file=${file}  runs=${runs}  node=${process.version}  cpus=${cpus().length}x ${cpus()[0]?.model ?? '?'}`);
console.table(rows);
const pb = results.paperboy.at(-1);
console.log(`paperboy: ${pb.records} records -> ${JSON.stringify(pb.counts)}`);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'import.json'), JSON.stringify({ file, runs, node: process.version, at: new Date().toISOString(), rows }, null, 2));
