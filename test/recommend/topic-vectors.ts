import { seededRandom } from '../../src/core/recommend/seeded-random.ts';

/**
 * Synthetic paper embeddings with the shape of real ones: every vector shares a common direction
 * (sentence embeddings are anisotropic: unrelated papers still have cosines of 0.4-0.6), plus its
 * topic's direction and noise, L2-normalised. Seeded, so tests repeat.
 */
export function topicVectors(options: { topics: number; perTopic: number; dims?: number; seed?: number }) {
  const dims = options.dims ?? 32;
  const random = seededRandom(options.seed ?? 7);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const unit = (v: Float64Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const common = unit(Float64Array.from({ length: dims }, gaussian));
  const topicDirs = Array.from({ length: options.topics }, () => unit(Float64Array.from({ length: dims }, gaussian)));
  const papers: { id: string; topic: number; vector: Float32Array }[] = [];
  for (let t = 0; t < options.topics; t++) {
    for (let i = 0; i < options.perTopic; i++) {
      const noise = unit(Float64Array.from({ length: dims }, gaussian));
      const v = unit(common.map((c, a) => 0.8 * c + 0.55 * topicDirs[t]![a]! + 0.35 * noise[a]!));
      papers.push({ id: `t${t}-${String(i).padStart(2, '0')}`, topic: t, vector: Float32Array.from(v) });
    }
  }
  return { dims, papers };
}
