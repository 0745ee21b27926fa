// npm run bench:scale — Paperboy at 75k (the real corpus), 1M and 2.8M synthetic papers (issue 12).
// Sizes: BENCH_SCALE_SIZES (default 75k,1m,2.8m). Data dirs: BENCH_SCALE_DIR (default
// <tmpdir>/paperboy-scale), one per size, reused when complete (then only the index is measured).
// BENCH_SCALE_PREPARE_ONLY=1 makes the data dirs and stops; BENCH_SCALE_THIS=0 measures only the
// peer; BENCH_SCALE_NO_VECTORS / BENCH_SCALE_LEXICAL_ONLY (sizes): no vectors written / measured with
// no model; BENCH_SCALE_CLI_RUNS (3), BENCH_QUERIES (300), BENCH_SCALE_TIMEOUT_MIN (60, per command),
// BENCH_SCALE_FIT=0 (no fit unless a dir must be generated), BENCH_SCALE_REBUILD=0 (keep an index that is
// there: its build time is then the import's). Figures go to stdout (one table, a
// Markdown copy, then JSON) and to .bench/scale.json. Nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fitCorpus } from './lib/synthetic-corpus.js';
import { prepareScale } from './lib/scale-data.js';
import { markdownTable, measureScale, scaleTable } from './lib/scale-measure.js';
import { fixedQueries } from './lib/scale-queries.js';

const root = resolve(import.meta.dirname, '..');
const corpusFile = process.env.BENCH_CORPUS ?? resolve(root, '..', 'shared', 'data', 'arxiv-75k.jsonl.gz');
const modelDir = process.env.PAPERBOY_MODEL_DIR ?? join(root, 'models', 'bge-small-en-v1.5'); // the default model (src/config/models.ts)
const sizes = (process.env.BENCH_SCALE_SIZES ?? '75k,1m,2.8m').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const base = resolve(process.env.BENCH_SCALE_DIR ?? join(tmpdir(), 'paperboy-scale'));
const prepareOnly = process.env.BENCH_SCALE_PREPARE_ONLY === '1';
// The installation measured: this checkout, or BENCH_SCALE_ROOT (another build with bin/ and dist/,
// labelled BENCH_SCALE_LABEL in the figures; it also makes the data dirs it measures).
const installRoot = process.env.BENCH_SCALE_ROOT ? resolve(process.env.BENCH_SCALE_ROOT) : root;
// The peer: another installation (a folder with bin/, dist/, node_modules) measured on the same data
// dirs, for the sizes in BENCH_SCALE_PEER_SIZES (default 75k,1m), before this one (whose first open
// may migrate the database). bench:scale writes none itself; see docs/performance.md, "Scale".
const peerRoot = process.env.BENCH_SCALE_PEER_ROOT ? resolve(process.env.BENCH_SCALE_PEER_ROOT) : null;
const peerLabel = process.env.BENCH_SCALE_PEER_LABEL ?? 'peer';
const peerSizes = (process.env.BENCH_SCALE_PEER_SIZES ?? '75k,1m').split(',').map((s) => s.trim().toLowerCase());
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
const CLI_RUNS = Number(process.env.BENCH_SCALE_CLI_RUNS ?? 3);
const lexicalOnlySizes = (process.env.BENCH_SCALE_LEXICAL_ONLY ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const TIMEOUT_MIN = Number(process.env.BENCH_SCALE_TIMEOUT_MIN ?? 60); // per command
const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

if (!existsSync(corpusFile)) {
  console.error(`bench:scale: the real corpus ${corpusFile} is not there (set BENCH_CORPUS)`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const out = { machine: `${cpus().length}x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GB`, node: process.version, at: new Date().toISOString(), corpus: corpusFile, dir: base, scales: {} };
log(`bench:scale  ${out.machine}  node ${process.version}`);
log(`real corpus: ${corpusFile}; data dirs under ${base}`);

// The model of the real corpus, fitted at run time: only needed when a synthetic dir must be made.
let fitted = null;
const model = async () => {
  if (fitted) return fitted;
  const t = performance.now();
  fitted = await fitCorpus(corpusFile);
  log(`fitted on ${fitted.papers} real papers in ${((performance.now() - t) / 1000).toFixed(0)} s: ${fitted.tokens.toLocaleString('en')} tokens, ${fitted.vocabulary.toLocaleString('en')} distinct (whitespace tokens); Heaps V = K n^beta with K = ${fitted.heaps.K.toFixed(2)}, beta = ${fitted.heaps.beta.toFixed(3)}`);
  out.heaps = { K: fitted.heaps.K, beta: fitted.heaps.beta, realTokens: fitted.tokens, realVocabulary: fitted.vocabulary };
  return fitted;
};

// BENCH_SCALE_FIT=0: no fit (and no Heaps figures) unless a synthetic dir must be made.
if (sizes.some((name) => name !== '75k') && process.env.BENCH_SCALE_FIT !== '0') await model();
const allQueries = fixedQueries(corpusFile, QUERIES + 40);
const queries = allQueries.slice(0, QUERIES), warmQueries = allQueries.slice(QUERIES);
out.queries = { count: queries.length, rule: 'bench:search set: 2-5 title words of every 149th real paper, seeded', over: 'HTTP, loopback, one client, sequential requests to serve --workers 1 (/api/search, limit 10): includes HTTP, JSON and reading the hits from SQLite' };
for (const name of sizes) {
  const dir = join(base, name);
  const synthetic = name !== '75k';
  const meta = await prepareScale({ name, dir, corpusFile, model: synthetic ? model : null, modelDir, log, installRoot });
  out.scales[name] = { dir, data: meta };
  if (prepareOnly) continue;
  const figures = (out.scales[name].figures = {});
  const save = () => writeFileSync(join(root, '.bench', 'scale.json'), JSON.stringify(out, null, 2));
  const measure = async (label, installRoot, cliRuns = CLI_RUNS) => {
    const f = (figures[label] = {});
    try {
      // BENCH_SCALE_LEXICAL_ONLY (sizes): measured with no model (PAPERBOY_MODEL_DIR pointing nowhere),
      // so the index holds no vectors and no ANN graph is built, whatever vectors the store has.
      const lexicalOnly = lexicalOnlySizes.includes(name) || !(meta.vectors.vectors > 0);
      const extraEnv = lexicalOnlySizes.includes(name) ? { PAPERBOY_MODEL_DIR: join(base, 'no-model') } : {};
      f.lexicalOnly = lexicalOnly;
      await measureScale({ name, dir, installRoot, queries, warmQueries, log, cliRuns, timeoutMs: TIMEOUT_MIN * 60_000, vectors: !lexicalOnly, extraEnv, f, save });
    } catch (error) {
      log(`${name} [${label}]: not measured further: ${error.message}`);
      f.error = error.message;
    }
    save();
  };
  mkdirSync(join(root, '.bench'), { recursive: true });
  // The peer rebuilds its whole index in memory for every CLI command: one CLI run each above 75k.
  if (peerRoot && peerSizes.includes(name)) await measure(peerLabel, peerRoot, name === '75k' ? CLI_RUNS : 1);
  if (process.env.BENCH_SCALE_THIS !== '0') await measure(process.env.BENCH_SCALE_LABEL ?? 'this', installRoot);
}

// .bench/scale.json keeps the scales of earlier runs that this one did not measure (runs of one size each).
mkdirSync(join(root, '.bench'), { recursive: true });
let saved = {};
try { saved = JSON.parse(readFileSync(join(root, '.bench', 'scale.json'), 'utf8')).scales ?? {}; } catch { /* first run */ }
for (const [name, scale] of Object.entries(saved)) if (!(name in out.scales) && scale.figures) out.scales[name] = { ...scale, fromEarlierRun: true };
writeFileSync(join(root, '.bench', 'scale.json'), JSON.stringify(out, null, 2));
if (!prepareOnly) {
  const rows = scaleTable(out.scales);
  console.log();
  console.table(rows);
  console.log(markdownTable(rows));
}
console.log(JSON.stringify(out));
