import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { hasModel, loadOnnxEmbedder } from '../../src/adapters/embedding/onnx-embedder.ts';
import { createSearchService, embedPapers } from '../../src/app/search/search-service.ts';
import { paperEmbeddingText, type Embedder } from '../../src/ports/embedder.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { fixture, tempDir, testStore } from '../helpers.ts';
import { DEFAULT_SPEC, MINILM_DIR, MODEL_DIR } from './model-dir.ts';

const TARGET = 'Similarity search in the blink of an eye with compressed indices';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('semantic and hybrid search with the real model', () => {
  let embedder: Embedder;
  before(async () => {
    assert.ok(hasModel(MODEL_DIR), `no model in ${MODEL_DIR}: run npm run model:fetch (CI does)`);
    embedder = await loadOnnxEmbedder(MODEL_DIR);
  });

  it('loads genuine bge-small-en-v1.5 int8 weights (the default): the known sentence similarity holds', async () => {
    assert.equal(DEFAULT_SPEC.name, 'bge-small-en-v1.5');
    assert.equal(embedder.modelId, 'BAAI/bge-small-en-v1.5@onnx-int8');
    assert.equal(embedder.dims, 384);
    const alone = async (text: string) => (await embedder.embedDocuments([text]))[0]!;
    const [food, bread, horse] = [await alone('A man is eating food.'), await alone('A man is eating a piece of bread.'), await alone('A man is riding a horse.')];
    // This int8 export gives 0.839 for the pair, the fp32 model 0.842 (CLS pooling; mean pooling would not).
    assert.ok(Math.abs(dot(food!, bread!) - 0.839) < 0.01, `cos = ${dot(food!, bread!)}`);
    assert.ok(dot(food!, horse!) < dot(food!, bread!) - 0.1, `cos(food, horse) = ${dot(food!, horse!)}`);
    assert.ok(Math.abs(dot(food!, food!) - 1) < 1e-5, 'normalised');
    // Texts batched together (grouped by token count) stay within the same tolerance.
    const [bFood, bBread] = await embedder.embedDocuments(['A man is eating food.', 'A man is eating a piece of bread.']);
    assert.ok(Math.abs(dot(bFood!, bBread!) - 0.839) < 0.01, `batched cos = ${dot(bFood!, bBread!)}`);
    // Queries get bge's retrieval instruction: a query vector differs from the same text as a document.
    assert.ok(dot(await embedder.embedQuery('A man is eating food.'), food) < 0.99);
  });

  it('loads genuine all-MiniLM-L6-v2 weights when that named alternative is installed', { skip: hasModel(MINILM_DIR) ? false : 'models/all-MiniLM-L6-v2 not fetched (npm run model:fetch -- all-MiniLM-L6-v2)' }, async () => {
    const minilm = await loadOnnxEmbedder(MINILM_DIR);
    const [food, bread, horse] = await minilm.embedDocuments(['A man is eating food.', 'A man is eating a piece of bread.', 'A man is riding a horse.']);
    // sentence-transformers documents 0.7553 for the first pair with this model (int8 here: within 0.02).
    assert.ok(Math.abs(dot(food!, bread!) - 0.7553) < 0.02, `cos = ${dot(food!, bread!)}`);
    assert.ok(dot(food!, horse!) < 0.4);
  });

  it('embeds incrementally, finds a paper by meaning, fuses, and finds similar papers', async () => {
    const dir = tempDir();
    const lines = readFileSync(fixture('seed-papers.jsonl'), 'utf8').trim().split('\n');
    const subset = [...lines.slice(0, 40), ...lines.filter((l) => l.includes(TARGET))];
    const file = join(dir, 'subset.jsonl');
    writeFileSync(file, subset.join('\n') + '\n');
    const { store, importFiles } = await testStore(dir);
    await importFiles([file]);

    assert.equal((await store.embeddingsNeeded(embedder.modelId, paperEmbeddingText)).remaining, subset.length);
    const first = await embedPapers({ store, embedder }, { batchSize: 16 });
    assert.deepEqual(first, { embedded: subset.length, remaining: 0 });
    assert.equal((await embedPapers({ store, embedder })).embedded, 0, 'nothing to redo');

    const service = createSearchService({ store, embedder, logger: silentLogger });
    await service.refresh();
    assert.equal(service.engine.embedded, subset.length);

    const query = 'making nearest-neighbour search cheaper with compressed codes';
    const semantic = await service.engine.search({ query, mode: 'semantic', limit: 3 });
    assert.equal(semantic.mode, 'semantic');
    assert.ok(semantic.hits.some((h) => h.title === TARGET), JSON.stringify(semantic.hits.map((h) => h.title)));
    const hybrid = await service.engine.search({ query, limit: 3 });
    assert.equal(hybrid.mode, 'hybrid');
    assert.equal(hybrid.hits[0]!.title, TARGET);
    const e = hybrid.hits[0]!.explanation;
    assert.ok(e.semantic && e.semantic.score > 0.3 && e.lexical && e.lexical.rank >= 1);
    const rrf = await service.engine.search({ query, fusion: 'rrf', limit: 3 });
    assert.ok(Math.abs(rrf.hits[0]!.score - ((rrf.hits[0]!.explanation.lexical ? 1 / (60 + rrf.hits[0]!.explanation.lexical.rank) : 0) + (rrf.hits[0]!.explanation.semantic?.rank ? 1 / (60 + rrf.hits[0]!.explanation.semantic.rank) : 0))) < 1e-12);

    const targetId = hybrid.hits[0]!.id;
    const similar = await service.engine.similar(targetId, 5);
    assert.equal(similar.mode, 'semantic');
    assert.equal(similar.hits.length, 5);
    assert.ok(!similar.hits.some((h) => h.id === targetId));

    // A changed abstract re-embeds that paper only; another model re-embeds everything.
    const changed = JSON.parse(subset[0]!) as { title: string; abstract: string };
    writeFileSync(file, JSON.stringify({ ...changed, abstract: `${changed.abstract} Revised.` }) + '\n');
    await importFiles([file]);
    assert.equal((await store.embeddingsNeeded(embedder.modelId, paperEmbeddingText)).remaining, 1);
    assert.equal((await store.embeddingsNeeded('another/model', paperEmbeddingText)).remaining, subset.length);
    await embedPapers({ store, embedder });
    await service.refresh();
    assert.equal(service.engine.embedded, subset.length);
  });
});
