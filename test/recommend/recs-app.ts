import type { Embedder } from '../../src/ports/embedder.ts';
import { testApp } from '../app-helpers.ts';
import { fixture } from '../helpers.ts';
import { MODEL_ID, TOPIC_OF } from './recs-data.ts';
import { topicVectors } from './topic-vectors.ts';

const embedder: Embedder = { modelId: MODEL_ID, dims: 32, embedQuery: async () => new Float32Array(32), embedDocuments: async () => [] };

/**
 * The whole app over test/fixtures/recs-papers.jsonl (42 papers, three topics of 14, 2026-01-05 to
 * 2026-02-23) with a synthetic embedding per paper by topic (topic-vectors.ts), the index refreshed.
 * `topicOf`: paper id → topic (0 cs.LG, 1 eess.AS, 2 astro-ph.GA).
 */
export async function recsApp(options: Omit<Parameters<typeof testApp>[0], 'fixtures' | 'embedder'> = {}) {
  const t = await testApp({ ...options, fixtures: [fixture('recs-papers.jsonl')], embedder });
  const { papers } = topicVectors({ topics: 3, perTopic: 14, dims: 32 });
  const topicOf = new Map<string, number>();
  const perTopic = [0, 0, 0];
  const items: { seq: number; textHash: string; vector: Float32Array }[] = [];
  for await (const row of t.store.scanIndexable()) {
    const topic = TOPIC_OF[row.categories[0]!]!;
    topicOf.set(row.id, topic);
    items.push({ seq: row.seq, textHash: 'test', vector: papers[topic * 14 + perTopic[topic]!++]!.vector });
  }
  await t.store.saveEmbeddings(MODEL_ID, items);
  await (await t.searchService()).refresh();
  return { t, topicOf };
}

/** Fixture ids of a topic (1: speech, eess.AS), in date order. */
export const topicIds = (topic: number) => Array.from({ length: 14 }, (_, i) => `2601.${String(90001 + topic * 14 + i)}`);
