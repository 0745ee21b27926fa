import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir, testStore } from '../helpers.ts';
import { topicVectors } from './topic-vectors.ts';

/** The fixture's topics, by primary category, in the order of the file (14 papers each). */
export const TOPIC_OF: Record<string, number> = { 'cs.LG': 0, 'eess.AS': 1, 'astro-ph.GA': 2 };
export const MODEL_ID = 'test/recs-model';

/**
 * A data directory holding test/fixtures/recs-papers.jsonl (42 papers in three topics, January and
 * February 2026, authors who keep to their topic) with a synthetic embedding per paper under a
 * model folder that names the model and holds no real model (recommendations read stored
 * vectors only, never run the model). Returns the env for `runPaperboy`.
 */
export async function recsDataDir(options: { withoutVector?: string[] } = {}) {
  const { dir, store, importFiles } = await testStore(tempDir('paperboy-recs-'));
  const { rejected } = await importFiles([fixture('recs-papers.jsonl')]);
  if (rejected.length) throw new Error(`fixture rejected: ${JSON.stringify(rejected)}`);
  const { dims, papers } = topicVectors({ topics: 3, perTopic: 14, dims: 32 });
  const rows: { seq: number; id: string; topic: number }[] = [];
  for await (const row of store.scanIndexable()) rows.push({ seq: row.seq, id: row.id, topic: TOPIC_OF[row.categories[0]!]! });
  const perTopic = [0, 0, 0];
  const items = rows.flatMap((row) => {
    const vector = papers[row.topic * 14 + perTopic[row.topic]!++]!.vector;
    return options.withoutVector?.includes(row.id) ? [] : [{ seq: row.seq, textHash: 'test', vector }];
  });
  await store.saveEmbeddings(MODEL_ID, items);
  await store.close();
  const modelDir = join(dir, 'model');
  mkdirSync(join(modelDir, 'onnx'), { recursive: true });
  writeFileSync(join(modelDir, 'paperboy-model.json'), JSON.stringify({ id: MODEL_ID, dims }));
  writeFileSync(join(modelDir, 'tokenizer.json'), '{}');
  writeFileSync(join(modelDir, 'onnx', 'model_quantized.onnx'), 'not a model: recommendations never load it');
  return { dir, rows, env: { PAPERBOY_MODEL_DIR: modelDir, PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_LOG_LEVEL: 'error' } };
}
