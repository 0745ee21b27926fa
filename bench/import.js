// npm run bench:import: imports ../shared/data/arxiv-75k.jsonl.gz into a fresh data dir and prints
// papers/s, peak RSS and database size, next to two floors measured in the same run:
//   parse-floor  gunzip + JSON.parse only (what any importer pays before storing anything)
//   sqlite-floor gunzip + JSON.parse + bare INSERTs (no validation, no versions, no idempotency)
// and the same import into PostgreSQL beside SQLite (modes postgres, postgres-again: a fresh
// database of a throwaway durable cluster, bench/lib/pg-cluster.js), when PostgreSQL is installed.
// Figures go to stdout and to .bench/import.json. Nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
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

// Memory must stay flat whatever the file size: the same corpus three times over (ids shifted by
// 10 and 20 years so that every record is new) should peak at about the same RSS.
async function tripled(target) {
  async function* lines() {
    for (const shift of [0, 10, 20]) {
      const rl = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
      for await (const line of rl) {
        if (!line) continue;
        const record = JSON.parse(line);
        record.id = record.id.replace(/^(\d{2})/, (yy) => String(Number(yy) + shift));
        yield JSON.stringify(record) + '\n';
      }
    }
  }
  await pipeline(lines, createGzip({ level: 1 }), createWriteStream(target));
  return target;
}

// PostgreSQL beside SQLite: a throwaway cluster of the tests' kind, with fsync on (bench/lib/pg-cluster.js).
const { findPostgresBin, startBenchCluster } = await import('./lib/pg-cluster.js');
const cluster = findPostgresBin() ? await startBenchCluster() : null;
if (!cluster) console.error('bench:import: PostgreSQL is not installed (no initdb): the postgres rows are left out');

const results = {};
try {
  const big = await tripled(join(work, 'x3.jsonl.gz'));
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `run-${i}`);
    for (const mode of ['parse-floor', 'sqlite-floor']) {
      (results[mode] ??= []).push(worker(mode, join(dir, mode)));
    }
    (results.paperboy ??= []).push(worker('paperboy', join(dir, 'pb')));
    (results['paperboy-again'] ??= []).push(worker('paperboy-again', join(dir, 'pb')));
    if (cluster) {
      const url = await cluster.createDatabase();
      (results.postgres ??= []).push(worker('postgres', url));
      (results['postgres-again'] ??= []).push(worker('postgres-again', url));
    }
    rmSync(dir, { recursive: true, force: true });
  }
  for (let i = 0; i < Math.min(runs, 1); i++) {
    const dir = join(work, `x3-${i}`);
    const r = JSON.parse(execFileSync(process.execPath, [join(root, 'bench', 'import-worker.js'), 'paperboy', big, dir], { encoding: 'utf8' }));
    (results['paperboy x3 file'] ??= []).push({ ...r, mode: 'paperboy x3 file' });
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await cluster?.stop();
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
const pg = results.postgres?.at(-1);
if (pg) console.log(`postgres: ${pg.records} records -> ${JSON.stringify(pg.counts)}; ${Math.round(median(results.postgres.map((r) => r.perSecond)))} papers/s (median) vs ${Math.round(median(results.paperboy.map((r) => r.perSecond)))} on SQLite`);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'import.json'), JSON.stringify({ file, runs, node: process.version, at: new Date().toISOString(), rows }, null, 2));
