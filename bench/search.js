// npm run bench:search — search speed on ../shared/data/arxiv-75k.jsonl.gz, then a synthetic
// 1,000,000-paper run for the lexical and vector parts. Prints figures, compares against peers in
// the same run (SQLite FTS5, MiniSearch; exact vector search), writes .bench/search.json.
// Nothing here asserts a time. BENCH_1M=0 skips the 1M run; BENCH_1M_ANN=1 adds the 1M HNSW build.

import { closeSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import MiniSearch from 'minisearch';

const root = resolve(import.meta.dirname, '..');
const dist = (p) => import(join(root, 'dist', p));
const { SearchEngine } = await dist('app/search/search-engine.js');
const { LexicalIndex } = await dist('core/search/lexical-index.js');
const { ExactVectorIndex } = await dist('core/search/vector-index.js');
const { createInt8ScanAnn, createUsearchAnn } = await dist('adapters/vector/usearch-ann.js');
const { hasModel, loadOnnxEmbedder } = await dist('adapters/embedding/onnx-embedder.js');
const { paperEmbeddingText } = await dist('ports/embedder.js');

const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const corpusFile = process.env.BENCH_CORPUS ?? resolve(root, '..', 'shared', 'data', 'arxiv-75k.jsonl.gz');
const modelDir = process.env.PAPERBOY_MODEL_DIR ?? join(root, 'models', 'bge-small-en-v1.5'); // the default model (src/config/models.ts)
const cacheDb = join(root, '.bench', 'data', 'paperboy.db');
const out = { machine: `${cpus().length}x ${cpus()[0]?.model}`, node: process.version, at: new Date().toISOString(), corpus: {}, synthetic1M: null };

const normalise = (v) => { let n = 0; for (const x of v) n += x * x; n = Math.sqrt(n); return v.map((x) => x / n); };
const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const time = (fn) => { const t = performance.now(); const r = fn(); return [r, performance.now() - t]; };
const timeAsync = async (fn) => { const t = performance.now(); const r = await fn(); return [r, performance.now() - t]; };
function pct(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return { p50: +at(50).toFixed(2), p95: +at(95).toFixed(2), p99: +at(99).toFixed(2) };
}
async function latency(queries, run) {
  for (const q of queries.slice(0, 20)) await run(q); // warm-up
  const samples = [];
  for (const q of queries) {
    const t = performance.now();
    await run(q);
    samples.push(performance.now() - t);
  }
  return pct(samples);
}
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const log = (...a) => console.log(...a);

// ---------------------------------------------------------------- 75k real corpus
log(`bench:search  ${out.machine}  node ${process.version}`);
if (process.env.BENCH_75K !== '0') {
const [corpus, loadMs] = time(() => gunzipSync(readFileSync(corpusFile)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l)));
log(`corpus: ${corpus.length} papers loaded in ${(loadMs / 1000).toFixed(1)} s`);

// A fixed query set: 2-5 content words from the titles of every k-th paper (seeded, so every run asks the same).
const queries = [];
for (let i = 0; queries.length < QUERIES; i++) {
  const paper = corpus[(i * 149) % corpus.length];
  const words = paper.title.split(/\s+/).filter((w) => /^[A-Za-z][A-Za-z-]{2,}$/.test(w));
  if (words.length < 2) continue;
  const n = Math.min(words.length, 2 + Math.floor(rand() * 4));
  const start = Math.floor(rand() * (words.length - n + 1));
  queries.push(words.slice(start, start + n).join(' '));
}

const rss0 = rssMb();
const engineLexicalOnly = new SearchEngine({});
const [, lexBuildMs] = time(() => {
  corpus.forEach((p, i) => engineLexicalOnly.upsert({ docId: i, id: p.id, title: p.title, abstract: p.abstract, authors: p.authors, categories: p.categories, date: p.date }));
  engineLexicalOnly.memory.lexical.warm();
});
const lexRss = rssMb() - rss0;
const lexStats = engineLexicalOnly.memory.lexical.stats();
log(`paperboy lexical: built in ${(lexBuildMs / 1000).toFixed(1)} s; ${lexStats.terms.toLocaleString('en')} terms, ${lexStats.postings.toLocaleString('en')} postings, ${(lexStats.typedArrayBytes / 1048576).toFixed(0)} MB in typed arrays`);
out.corpus.lexicalIndex = lexStats;

const [mini, miniBuildMs] = time(() => {
  const ms = new MiniSearch({ fields: ['title', 'abstract', 'authors'], storeFields: [], searchOptions: { boost: { title: 1.5 }, combineWith: 'OR' } });
  ms.addAll(corpus.map((p, i) => ({ id: i, title: p.title, abstract: p.abstract, authors: p.authors.join(' ') })));
  return ms;
});
log(`MiniSearch: built in ${(miniBuildMs / 1000).toFixed(1)} s`);

const ftsFile = join(tmpdir(), `paperboy-bench-fts-${process.pid}.db`);
const fts = new Database(ftsFile);
fts.pragma('journal_mode = WAL');
fts.exec("CREATE VIRTUAL TABLE fts USING fts5(title, abstract, authors, tokenize = 'porter unicode61')");
const [, ftsBuildMs] = time(() => {
  const insert = fts.prepare('INSERT INTO fts (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)');
  fts.transaction(() => corpus.forEach((p, i) => insert.run(i, p.title, p.abstract, p.authors.join(' '))))();
});
const ftsQuery = fts.prepare('SELECT rowid, bm25(fts, 1.5, 1.0, 1.0) AS s FROM fts WHERE fts MATCH ? ORDER BY s LIMIT 10');
const ftsMatch = (q) => q.split(/\s+/).map((w) => `"${w.replace(/"/g, '')}"`).join(' OR ');
log(`SQLite FTS5: built in ${(ftsBuildMs / 1000).toFixed(1)} s, ${(statSync(ftsFile).size / 1048576).toFixed(0)} MB`);

const lexical = {
  paperboy: { buildS: +(lexBuildMs / 1000).toFixed(2), rssMb: lexRss, ...(await latency(queries, (q) => engineLexicalOnly.search({ query: q, mode: 'lexical', limit: 10 }))) },
  paperboyNoSnippets: await latency(queries, (q) => engineLexicalOnly.search({ query: q, mode: 'lexical', limit: 10, snippets: false })),
  sqliteFts5: { buildS: +(ftsBuildMs / 1000).toFixed(2), ...(await latency(queries, (q) => ftsQuery.all(ftsMatch(q)))) },
  minisearch: { buildS: +(miniBuildMs / 1000).toFixed(2), ...(await latency(queries, (q) => mini.search(q).slice(0, 10))) },
};
fts.close();
rmSync(ftsFile, { force: true });
rmSync(`${ftsFile}-wal`, { force: true });
rmSync(`${ftsFile}-shm`, { force: true });
out.corpus.lexical = lexical;
console.table(Object.fromEntries(Object.entries(lexical).map(([k, v]) => [k, v])));

// Embeddings: real ones where `paperboy embed` has computed them in .bench/data; throughput measured on a sample.
let embedder = null;
if (hasModel(modelDir)) embedder = await loadOnnxEmbedder(modelDir);
else log(`no model in ${modelDir}: semantic parts use synthetic vectors only (run npm run model:fetch)`);
const dims = embedder?.dims ?? 384;
const vectors = new Array(corpus.length).fill(null);
if (embedder && existsSync(cacheDb)) {
  const db = new Database(cacheDb, { readonly: true });
  const seqOf = new Map(db.prepare('SELECT id, seq FROM papers').all().map((r) => [r.id, r.seq]));
  const rows = db.prepare('SELECT paper_seq AS seq, vector FROM paper_embeddings WHERE model = ?').all(embedder.modelId);
  const bySeq = new Map(rows.map((r) => [r.seq, r.vector]));
  corpus.forEach((p, i) => {
    const blob = bySeq.get(seqOf.get(p.id));
    if (blob) vectors[i] = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length));
  });
  db.close();
}
let real = vectors.filter(Boolean).length;
let embedDocsPerS = null;
if (embedder) {
  const sample = corpus.slice(0, 256).map((p) => paperEmbeddingText(p));
  const [, ms] = await timeAsync(() => embedder.embedDocuments(sample));
  embedDocsPerS = +(sample.length / (ms / 1000)).toFixed(1);
}
// Synthetic stand-ins for papers not embedded yet: perturbed copies of real vectors keep the
// geometry clustered; with no real vector at all, random clustered vectors.
const centres = real > 0 ? vectors.filter(Boolean).slice(0, 500) : Array.from({ length: 200 }, () => Float32Array.from({ length: dims }, () => rand() * 2 - 1));

for (let i = 0; i < corpus.length; i++) {
  if (vectors[i]) continue;
  const c = centres[Math.floor(rand() * centres.length)];
  vectors[i] = normalise(c.map((x) => x + 0.08 * (rand() * 2 - 1)));
}
log(`vectors: ${real} real (model ${embedder?.modelId ?? 'none'}), ${corpus.length - real} synthetic; embedding throughput ${embedDocsPerS ?? '-'} papers/s (projected ${embedDocsPerS ? ((corpus.length / embedDocsPerS) / 60).toFixed(0) : '-'} min for the corpus)`);

const engine = new SearchEngine({ embedder, ann: (d) => createInt8ScanAnn(d), exactThreshold: 20_000 });
const hnswEngine = new SearchEngine({ embedder, ann: (d) => createUsearchAnn(d), exactThreshold: 20_000 });
corpus.forEach((p, i) => engine.upsert({ docId: i, id: p.id, title: p.title, abstract: p.abstract, authors: p.authors, categories: p.categories, date: p.date }));
vectors.forEach((v, i) => engine.setVector(i, v));
corpus.forEach((p, i) => hnswEngine.upsert({ docId: i, id: p.id, title: '', abstract: '', authors: [], categories: [], date: null }));
vectors.forEach((v, i) => hnswEngine.setVector(i, v));
const [, annBuildMs] = time(() => { engine.prepare(); engine.memory.vectors.nearest(vectors[0], 1, () => true); });
const [, hnswBuildMs] = time(() => { hnswEngine.prepare(); hnswEngine.memory.vectors.nearest(vectors[0], 1, () => true); });
const exact = new ExactVectorIndex(dims);
vectors.forEach((v, i) => exact.set(i, v));
const queryVectors = embedder ? [] : queries.map(() => vectors[Math.floor(rand() * vectors.length)]);
if (embedder) for (const q of queries) queryVectors.push(await embedder.embedQuery(q));
const recall = (e) => {
  let agree = 0;
  for (const q of queryVectors) {
    const truth = new Set(exact.search(q, 10).map((h) => h.docId));
    agree += e.memory.vectors.nearest(q, 10, () => true).filter((h) => truth.has(h.docId)).length;
  }
  return +(agree / (queryVectors.length * 10)).toFixed(4);
};
const vector = {
  int8ScanBuildS: +(annBuildMs / 1000).toFixed(2),
  int8ScanRecallAt10: recall(engine),
  hnswBuildS: +(hnswBuildMs / 1000).toFixed(2),
  hnswRecallAt10: recall(hnswEngine),
  exactScan: await latency(queryVectors, (q) => exact.search(q, 10)),
  int8ScanPlusRerank: await latency(queryVectors, (q) => engine.memory.vectors.nearest(q, 10, () => true)),
  hnswPlusRerank: await latency(queryVectors, (q) => hnswEngine.memory.vectors.nearest(q, 10, () => true)),
  queryEmbedding: embedder ? await latency(queries, (q) => embedder.embedQuery(q)) : null,
};
out.corpus.vectors = { real, synthetic: corpus.length - real, embedDocsPerS, ...vector };
console.table({ exactScanJsF32: vector.exactScan, int8ScanPlusRerank: vector.int8ScanPlusRerank, hnswPlusRerank: vector.hnswPlusRerank, ...(vector.queryEmbedding ? { queryEmbedding: vector.queryEmbedding } : {}) });
log(`recall@10 vs exact after float32 re-rank: int8 scan ${vector.int8ScanRecallAt10} (packed in ${vector.int8ScanBuildS} s), HNSW f16 ${vector.hnswRecallAt10} (built in ${vector.hnswBuildS} s)`);

const modes = {};
for (const mode of ['lexical', 'semantic', 'hybrid']) {
  if (mode !== 'lexical' && !embedder) continue;
  modes[mode] = await latency(queries, (q) => engine.search({ query: q, mode, limit: 10 }));
}
if (embedder) modes['hybrid rrf'] = await latency(queries, (q) => engine.search({ query: q, mode: 'hybrid', fusion: 'rrf', limit: 10 }));
out.corpus.modes = modes;
out.corpus.rssMb = rssMb();
log('end-to-end search latency per mode (ms, 10 results with snippets, query embedding included):');
console.table(modes);
log(`RSS now ${out.corpus.rssMb} MB`);

}

// ---------------------------------------------------------------- 1M synthetic
if (process.env.BENCH_1M !== '0') {
  log('\nsynthetic 1,000,000 papers (Zipfian vocabulary of 50,000 words; titles 8-15 words, abstracts 150-250):');
  const V = 50_000;
  const vocab = Array.from({ length: V }, (_, i) => `w${i.toString(36)}x`);
  const cdf = new Float64Array(V);
  let acc = 0;
  for (let i = 0; i < V; i++) cdf[i] = acc += 1 / (i + 1);
  const word = () => { const r = rand() * acc; let lo = 0, hi = V - 1; while (lo < hi) { const m = (lo + hi) >> 1; if (cdf[m] < r) lo = m + 1; else hi = m; } return vocab[lo]; };
  const words = (n) => { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = word(); return a.join(' '); };
  const N = Number(process.env.BENCH_1M_DOCS ?? 1_000_000);
  const split = (text, emit) => { for (const w of text.split(' ')) emit(w); };
  const index = new LexicalIndex({ fields: [{ name: 'title', weight: 1.5, b: 0.6 }, { name: 'abstract', weight: 1, b: 0.8 }], analyze: split });
  const r0 = rssMb();
  const docSeed = seed;
  const [, buildMs] = time(() => { for (let i = 0; i < N; i++) index.add(i, { title: words(8 + Math.floor(rand() * 8)), abstract: words(150 + Math.floor(rand() * 101)) }); index.warm(); });
  const synthQueries = Array.from({ length: QUERIES }, () => Array.from({ length: 1 + Math.floor(rand() * 5) }, word));
  const lex1m = { docs: N, buildS: +(buildMs / 1000).toFixed(1), rssMb: rssMb() - r0, ...(await latency(synthQueries, (q) => index.search({ should: q.map((term) => ({ term })) }, { limit: 10 }))) };
  lex1m.index = index.stats();
  lex1m.pool200 = await latency(synthQueries, (q) => index.search({ should: q.map((term) => ({ term })) }, { limit: 200 }));
  log(`in-memory lexical index at ${N.toLocaleString('en')}: built in ${lex1m.buildS} s, +${lex1m.rssMb} MB RSS, ${(lex1m.index.typedArrayBytes / 1048576).toFixed(0)} MB in typed arrays`);
  const rows1m = { 'in-memory index (the engine of before issue 12, today\'s scorer)': { p50: lex1m.p50, p95: lex1m.p95, p99: lex1m.p99, 'pool 200 p50': lex1m.pool200.p50, 'pool 200 p99': lex1m.pool200.p99 } };
  // The on-disk engine `paperboy` searches with (issue 12) on the same papers and queries: the
  // generator re-run from the same seed into one segment, written to files and opened as the index
  // directory opens it (doc table and dictionary read whole, postings read positionally through a
  // postings cache), block-max MaxScore. The files were just written, so the page cache holds them:
  // what is measured is the copy out of it and the scoring, not the disk. BENCH_1M_SEGMENT=0 skips it.
  if (process.env.BENCH_1M_SEGMENT !== '0') {
    const { buildSegment } = await dist('core/search/segment/segment-builder.js');
    const { writeSegmentFiles, openSegment } = await dist('adapters/index-files/segment-files.js');
    const { SegmentScratch } = await dist('core/search/segment/segment-scratch.js');
    const { ScoringScratch } = await dist('core/search/segment/scorer.js');
    const { PostingsCache } = await dist('core/search/segment/postings-cache.js');
    const { POSTINGS_CACHE_BYTES } = await dist('adapters/index-files/index-directory-options.js');
    const defaultMb = POSTINGS_CACHE_BYTES / 1048576;
    const afterQueries = seed;
    seed = docSeed;
    const schema = { fields: [{ name: 'title', weight: 1.5, b: 0.6 }, { name: 'abstract', weight: 1, b: 0.8 }], k1: index.k1, analyze: split };
    const docs = Array.from({ length: N }, (_, i) => ({ seq: i, id: `s${i}`, day: 19000 + (i % 3650), categories: [], texts: [words(8 + Math.floor(rand() * 8)), words(150 + Math.floor(rand() * 101))] }));
    seed = afterQueries;
    const segDir = join(tmpdir(), `paperboy-bench-segment-${process.pid}`);
    mkdirSync(segDir, { recursive: true });
    try {
      const [entry, segBuildMs] = time(() => writeSegmentFiles(segDir, 'seg-1', (sink) => buildSegment(docs, schema, sink)));
      docs.length = 0;
      // The postings cache is the memory/speed trade-off of the on-disk index: measured at the old default
      // (128 MB), the default and a larger budget (BENCH_1M_POSTINGS_CACHE_MB, comma-separated).
      const budgets = (process.env.BENCH_1M_POSTINGS_CACHE_MB ?? `128,${defaultMb},2048`).split(',').map(Number);
      const seg = { buildS: +(segBuildMs / 1000).toFixed(1), fileMb: Math.round((entry.postings.bytes + entry.terms.bytes + entry.docTable.bytes) / 1048576), byCacheMb: {} };
      for (const mb of budgets) {
        const fds = [];
        const cache = new PostingsCache(mb * 1048576);
        let r;
        try {
          const reader = openSegment(segDir, entry, schema, new SegmentScratch(new ScoringScratch(), cache), fds, () => {});
          const run = (limit) => (q) => reader.search({ should: q.map((term) => ({ term })) }, { limit });
          // One unmeasured pass (first sight of each list: postings cache), as a service warms up.
          for (const q of synthQueries) run(10)(q);
          r = { ...(await latency(synthQueries, run(10))), pool200: await latency(synthQueries, run(200)), cachedMb: Math.round((mb * 1048576 - cache.free) / 1048576) };
        } finally {
          for (const fd of fds) closeSync(fd);
        }
        seg.byCacheMb[mb] = r;
        rows1m[`on-disk segment, block-max, postings cache ${mb} MB${mb === defaultMb ? ' (default)' : ''}`] = { p50: r.p50, p95: r.p95, p99: r.p99, 'pool 200 p50': r.pool200.p50, 'pool 200 p99': r.pool200.p99 };
      }
      lex1m.segment = seg;
      log(`on-disk segment of the same papers: built and written in ${seg.buildS} s, ${seg.fileMb} MB of files`);
    } finally {
      rmSync(segDir, { recursive: true, force: true });
    }
  }
  console.table(rows1m);
  if (process.env.BENCH_1M_VECTORS !== '0') {
  const vecs = new ExactVectorIndex(384, N);
  const c1m = Array.from({ length: 1000 }, () => normalise(Float32Array.from({ length: 384 }, () => rand() * 2 - 1)));
  const v0 = rssMb();
  for (let i = 0; i < N; i++) vecs.set(i, normalise(c1m[i % 1000].map((x) => x + 0.1 * (rand() * 2 - 1))));
  const vq = Array.from({ length: 100 }, () => normalise(c1m[Math.floor(rand() * 1000)].map((x) => x + 0.1 * (rand() * 2 - 1))));
  const vec1m = { docs: N, rssMb: rssMb() - v0, exactScan: await latency(vq, (q) => vecs.search(q, 10)) };
  {
    const scan = createInt8ScanAnn(384);
    const ids = Array.from({ length: N }, (_, i) => i);
    scan.addMany(ids, ids.map((id) => vecs.get(id)));
    scan.search(vq[0], 10);
    let hit = 0;
    for (const q of vq) { const truth = new Set(vecs.search(q, 10).map((h) => h.docId)); const cand = scan.search(q, 200).map((docId) => ({ docId, score: vecs.score(q, docId) })).sort((a, b) => b.score - a.score).slice(0, 10); hit += cand.filter((h) => truth.has(h.docId)).length; }
    vec1m.int8ScanRecallAt10 = +(hit / (vq.length * 10)).toFixed(4);
    vec1m.int8ScanPlusRerank = await latency(vq, (q) => scan.search(q, 200).map((docId) => vecs.score(q, docId)));
  }
  if (process.env.BENCH_1M_ANN === '1') {
    const ann = createUsearchAnn(384, { quantization: 'i8', expansionAdd: 64 });
    const ids = Array.from({ length: N }, (_, i) => i);
    const [, annMs] = time(() => { for (let i = 0; i < N; i += 50_000) ann.addMany(ids.slice(i, i + 50_000), ids.slice(i, i + 50_000).map((id) => vecs.get(id))); });
    let hit = 0;
    for (const q of vq) { const truth = new Set(vecs.search(q, 10).map((h) => h.docId)); const cand = ann.search(q, 100).map((docId) => ({ docId, score: vecs.score(q, docId) })).sort((a, b) => b.score - a.score).slice(0, 10); hit += cand.filter((h) => truth.has(h.docId)).length; }
    vec1m.annBuildS = +(annMs / 1000).toFixed(0);
    vec1m.annRecallAt10 = +(hit / (vq.length * 10)).toFixed(4);
    vec1m.annPlusRerank = await latency(vq, (q) => ann.search(q, 100).map((docId) => vecs.score(q, docId)));
  }
  console.table({ vectors1M: vec1m });
  out.synthetic1M = { lexical: lex1m, vectors: vec1m };
  } else out.synthetic1M = { lexical: lex1m };
}

mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', process.env.BENCH_75K === '0' ? 'search-1m.json' : 'search.json'), JSON.stringify(out, null, 2));
log('\nfigures written to .bench/search.json');

