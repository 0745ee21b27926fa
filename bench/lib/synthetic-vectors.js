// Writes random unit vectors for every paper that has no current embedding for the default model,
// through the store's own embeddingsNeeded/saveEmbeddings (so the text hash is the store's and a
// later `paperboy embed` finds nothing to do). Run as a child of bench/scale.js:
//   node bench/lib/synthetic-vectors.js <dataDir> <modelDir> <seed>
// Prints one JSON line: { vectors, seconds, modelId, dims }.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seededRandom } from './synthetic-corpus.js';

const root = resolve(import.meta.dirname, '..', '..');
const [dataDir, modelDir, seedText] = process.argv.slice(2);
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
let vectors = 0;
for (;;) {
  const { jobs } = await store.embeddingsNeeded(modelId, paperEmbeddingText, 400_000);
  if (jobs.length === 0) break;
  for (let i = 0; i < jobs.length; i += 5000) {
    await store.saveEmbeddings(modelId, jobs.slice(i, i + 5000).map((job) => ({ seq: job.seq, textHash: job.textHash, vector: unitVector() })));
  }
  vectors += jobs.length;
  process.stderr.write(`vectors: ${vectors} written (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}
await store.close();
process.stdout.write(JSON.stringify({ vectors, seconds: (performance.now() - started) / 1000, modelId, dims }) + '\n');
