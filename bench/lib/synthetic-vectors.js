// Writes random unit vectors for every paper that has no embedding for the default model, with the
// text hash the store computes (sha1, base64url, of paperEmbeddingText: adapters/sqlite/paper-store.ts
// embeddingsNeeded), saved through the store's saveEmbeddings; at the end the store's own
// embeddingsNeeded must find nothing left (so `paperboy embed` would not redo them). One pass over
// the papers in seq pages: embeddingsNeeded itself sorts and hashes every remaining paper on each
// call, which at millions of papers costs far more than the vectors. Run as a child of bench/scale.js:
//   node bench/lib/synthetic-vectors.js <dataDir> <modelDir> <seed> [installRoot]
// Prints one JSON line: { vectors, seconds, modelId, dims }.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seededRandom } from './synthetic-corpus.js';

const [dataDir, modelDir, seedText, installRoot] = process.argv.slice(2);
const root = installRoot ?? resolve(import.meta.dirname, '..', '..'); // whose dist/ writes the vectors
const { createSqlitePaperStore } = await import(join(root, 'dist', 'adapters', 'sqlite', 'paper-store.js'));
const { paperEmbeddingText } = await import(join(root, 'dist', 'ports', 'embedder.js'));

// The model id as the ONNX embedder spells it (src/adapters/embedding/onnx-embedder.ts): id@variant.
const manifest = JSON.parse(readFileSync(join(modelDir, 'paperboy-model.json'), 'utf8'));
const modelId = `${manifest.id}${manifest.variant ? `@${manifest.variant}` : ''}`;
const dims = manifest.dims ?? 384;

const random = seededRandom(Number(seedText ?? 7));
function unitVector() {
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i += 2) {
    // Box-Muller: two normal deviates per pair of uniforms; a normal vector normalised is uniform on the sphere.
    const r = Math.sqrt(-2 * Math.log(1 - random())), t = 2 * Math.PI * random();
    v[i] = r * Math.cos(t);
    if (i + 1 < dims) v[i + 1] = r * Math.sin(t);
  }
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i] /= norm;
  return v;
}

const started = performance.now();
const store = createSqlitePaperStore(join(dataDir, 'paperboy.db'));
const page = store.db.prepare(
  `SELECT p.seq AS seq, p.title AS title, p.abstract AS abstract FROM papers p
   WHERE p.seq > ? AND p.deleted = 0 AND NOT EXISTS (SELECT 1 FROM paper_embeddings e WHERE e.paper_seq = p.seq AND e.model = ?)
   ORDER BY p.seq LIMIT 5000`,
);
let vectors = 0;
for (let after = 0; ;) {
  const rows = page.all(after, modelId);
  if (rows.length === 0) break;
  after = rows[rows.length - 1].seq;
  const items = rows.map((row) => ({ seq: row.seq, textHash: createHash('sha1').update(paperEmbeddingText(row)).digest('base64url'), vector: unitVector() }));
  await store.saveEmbeddings(modelId, items);
  vectors += items.length;
  if (vectors % 100_000 < 5000) process.stderr.write(`vectors: ${vectors} written (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}
const { remaining } = await store.embeddingsNeeded(modelId, paperEmbeddingText, 1);
await store.close();
if (remaining > 0) throw new Error(`${remaining} papers still need an embedding after the pass: the text hash differs from the store's`);
process.stdout.write(JSON.stringify({ vectors, seconds: (performance.now() - started) / 1000, modelId, dims }) + '\n');
