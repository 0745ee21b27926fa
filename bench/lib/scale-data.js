// One data dir per scale for bench/scale.js: the corpus file (real, or synthetic from
// synthetic-corpus.js), `paperboy import` of it (timed), random vectors for the default model
// (synthetic-vectors.js, timed). Each step records itself in <dir>/scale.json; a dir whose steps are
// all recorded for the same corpus and generator version is reused as it is.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { once } from 'node:events';
import { syntheticRecords } from './synthetic-corpus.js';

const root = resolve(import.meta.dirname, '..', '..');
/** Bump when the generator's output changes: data dirs of another version are made again. */
export const GENERATOR_VERSION = 1;
export const SEED = 20261202;

/** '75k' -> null (the real corpus), '1m' -> 1e6, '2.8m' -> 2.8e6, '250k' -> 250000. */
export function parseScale(name) {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(name.trim());
  if (!m) throw new Error(`BENCH_SCALE_SIZES: ${JSON.stringify(name)} is not a size such as 75k, 1m or 2.8m`);
  if (name.trim().toLowerCase() === '75k') return null;
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'm' ? 1e6 : m[2].toLowerCase() === 'k' ? 1e3 : 1));
}

const readMeta = (dir) => { try { return JSON.parse(readFileSync(join(dir, 'scale.json'), 'utf8')); } catch { return null; } };
const writeMeta = (dir, meta) => writeFileSync(join(dir, 'scale.json'), JSON.stringify(meta, null, 2));

/** Runs a command, returns { seconds, peakRssMb, stdout }; stderr goes to `log` line by line. */
export async function timed(command, args, { env = {}, log = () => {} } = {}) {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', peakKb = 0;
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => {
    stderr += d;
    const lines = stderr.split('\n');
    stderr = lines.pop();
    for (const line of lines) {
      const m = /^PEAK_RSS_KB=(\d+)/.exec(line);
      if (m) peakKb = Number(m[1]); else if (line.trim()) log(line);
    }
  });
  const [code] = await once(child, 'close');
  const m = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  if (m) peakKb = Number(m[1]);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  return { seconds: (performance.now() - started) / 1000, peakRssMb: Math.round(peakKb / 1024), stdout };
}

async function writeSynthetic(file, model, count, log) {
  const stats = {};
  // Uncompressed: gzip would cost the generator a third of its time, and the file lives only until imported.
  const gzip = createWriteStream(file);
  const out = gzip;
  let i = 0, chunk = '';
  for (const record of syntheticRecords(model, count, SEED, stats)) {
    chunk += JSON.stringify(record) + '\n';
    if (++i % 1000 === 0) {
      if (!gzip.write(chunk)) await once(gzip, 'drain');
      chunk = '';
      if (i % 100_000 === 0) log(`generate: ${i.toLocaleString('en')} / ${count.toLocaleString('en')}`);
    }
  }
  gzip.end(chunk);
  await once(out, 'finish');
  return stats;
}

/**
 * Whether a data dir's corpus is the one wanted: the same kind, size, seed and generator, fitted on
 * (or read from) a corpus file of the same name (the same file seen through another checkout's path
 * is the same corpus).
 */
function sameCorpus(had, wanted) {
  const key = (c) => JSON.stringify({ ...c, ...(c.fittedOn ? { fittedOn: basename(c.fittedOn) } : {}), ...(c.file ? { file: basename(c.file) } : {}) });
  return key(had) === key(wanted);
}

/**
 * Makes (or reuses) the data dir of one scale. `model` gives fitCorpus()'s result (async, for synthetic
 * scales); `modelDir` the default embedding model's folder; `installRoot` the installation that
 * imports and writes the vectors (the one measured). Returns the dir's scale.json.
 */
export async function prepareScale({ name, dir, corpusFile, model, modelDir, log, installRoot = root }) {
  const count = parseScale(name);
  const corpus = count === null ? { kind: 'real', file: corpusFile } : { kind: 'synthetic', papers: count, seed: SEED, generator: GENERATOR_VERSION, fittedOn: corpusFile };
  let meta = readMeta(dir);
  if (meta && !sameCorpus(meta.corpus, corpus)) {
    // Never removed here: a 2.8M data dir is over an hour of work (one was lost to a path compared
    // literally). The operator moves it away, or points BENCH_SCALE_DIR elsewhere.
    throw new Error(`${dir} holds another corpus (${JSON.stringify(meta.corpus)}, wanted ${JSON.stringify(corpus)}): move it away or set BENCH_SCALE_DIR`);
  }
  mkdirSync(dir, { recursive: true });
  meta ??= { name, corpus };
  const paperboy = join(installRoot, 'bin', 'paperboy.js');
  const env = { PAPERBOY_DATA: dir };

  if (!meta.import) {
    rmSync(join(dir, 'paperboy.db'), { force: true });
    let file = corpusFile;
    if (count !== null && existsSync(join(dir, 'corpus.jsonl')) && readMeta(dir)?.generated?.complete) {
      // Already generated (or put there: the first n records of a bigger run are this corpus, the stream being seeded).
      file = join(dir, 'corpus.jsonl');
      log(`${name}: reusing ${file}`);
    } else if (count !== null) {
      file = join(dir, 'corpus.jsonl');
      const t = performance.now();
      meta.generated = await writeSynthetic(file, await model(), count, (m) => log(`${name}: ${m}`));
      meta.generated.seconds = (performance.now() - t) / 1000;
      meta.generated.fileMb = Math.round(statSync(file).size / 1048576);
      meta.generated.complete = true;
      log(`${name}: generated ${count} papers in ${meta.generated.seconds.toFixed(0)} s (${JSON.stringify(meta.generated)})`);
      writeMeta(dir, meta);
    }
    log(`${name}: importing ${file}`);
    const r = await timed(process.execPath, [paperboy, 'import', '--json', '--no-progress', file], { env, log: (l) => log(`${name}: import: ${l}`) });
    const summary = JSON.parse(r.stdout);
    const papers = count ?? summary.counts?.added ?? 0;
    meta.import = { seconds: r.seconds, papersPerSecond: Math.round(papers / r.seconds), peakRssMb: r.peakRssMb, summary, dbMb: Math.round(statSync(join(dir, 'paperboy.db')).size / 1048576) };
    log(`${name}: imported in ${r.seconds.toFixed(0)} s (${meta.import.papersPerSecond} papers/s)`);
    if (count !== null) rmSync(file, { force: true }); // made again from the seed when needed
    writeMeta(dir, meta);
  }
  // BENCH_SCALE_NO_VECTORS (sizes, e.g. 2.8m): no vectors for those sizes (then lexical figures only).
  const noVectors = (process.env.BENCH_SCALE_NO_VECTORS ?? '').split(',').map((x) => x.trim().toLowerCase()).includes(name);
  if (!meta.vectors && noVectors) {
    meta.vectors = { vectors: 0, skipped: 'BENCH_SCALE_NO_VECTORS' };
    log(`${name}: no vectors (BENCH_SCALE_NO_VECTORS): lexical figures only`);
  }
  if (!meta.vectors) {
    const r = await timed(process.execPath, [join(import.meta.dirname, 'synthetic-vectors.js'), dir, modelDir, String(SEED), installRoot], { log: (l) => log(`${name}: ${l}`) });
    meta.vectors = { ...JSON.parse(r.stdout.trim().split('\n').pop()), peakRssMb: r.peakRssMb };
    meta.vectors.dbMb = Math.round(statSync(join(dir, 'paperboy.db')).size / 1048576);
    log(`${name}: ${meta.vectors.vectors} vectors in ${meta.vectors.seconds.toFixed(0)} s`);
    writeMeta(dir, meta);
  }
  meta.complete = true;
  writeMeta(dir, meta);
  return meta;
}

/** Bytes under a path (a file or a folder, recursively). */
export function duBytes(path) {
  if (!existsSync(path)) return 0;
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}
