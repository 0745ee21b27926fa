import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
// Must stay above onnxruntime-node: ES modules run in import order, and the runtime reads the
// variable when it loads.
import './ort-telemetry.ts';
import * as ort from 'onnxruntime-node';
import { PaperboyError } from '../../core/errors.ts';
import type { ModelSettings } from '../../config/models.ts';
import type { Embedder } from '../../ports/embedder.ts';

/** paperboy-model.json, written by `npm run model:fetch` from the model catalog; every key optional. */
type ModelManifest = Partial<ModelSettings>;

/** The embedder, plus the two halves of bulk embedding, so that a caller can pause between batches. */
export interface OnnxEmbedder extends Embedder {
  /** Token ids of each text, truncated to the model's limit. */
  encode(texts: readonly string[]): number[][];
  /** Vectors of texts already encoded; one inference call, padded to the longest. */
  embedEncoded(encoded: readonly (readonly number[])[]): Promise<Float32Array[]>;
  /** How bulk embedding groups encoded texts into inference calls (indices into `encoded`). */
  batches(encoded: readonly (readonly number[])[]): number[][];
}

/** Padded tokens per inference call in bulk embedding (docs/performance.md). */
export const TOKEN_BUDGET = 512;

const MODEL_FILES = ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'model.onnx'];

export interface OnnxEmbedderOptions {
  /** Threads for one inference (default 2). */
  threads?: number;
  /** Most documents per inference call (default 16). */
  batchSize?: number;
  /** Most padded tokens per inference call (default {@link TOKEN_BUDGET}): long texts go one at a time. */
  tokenBudget?: number;
  /** Token limit per text, overriding the model's (it becomes part of the model id). */
  maxTokens?: number;
  /**
   * The model's settings from the catalog (src/config/models.ts): they take precedence over the
   * folder's paperboy-model.json when it describes the same model (or has no id).
   */
  settings?: ModelSettings;
}

/** Whether a folder holds a model in the Hugging Face layout that {@link loadOnnxEmbedder} can read. */
export function hasModel(dir: string): boolean {
  return existsSync(join(dir, 'tokenizer.json')) && MODEL_FILES.some((f) => existsSync(join(dir, f)));
}

/**
 * Loads a sentence-embedding model from a folder in the Hugging Face layout (`config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model*.onnx`) and runs it with ONNX Runtime.
 * Pooling (mean or CLS), normalisation, the token limit, a query prefix (bge models) and the
 * minimum-relevance floor come from the catalog settings passed in, else `paperboy-model.json`.
 */
export async function loadOnnxEmbedder(dir: string, options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
  const modelFile = MODEL_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!modelFile || !existsSync(join(dir, 'tokenizer.json'))) {
    throw new PaperboyError('NOT_FOUND', `no embedding model in ${dir} (expected tokenizer.json and onnx/model.onnx); run npm run model:fetch`, { dir });
  }
  const read = (name: string) => (existsSync(join(dir, name)) ? (JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>) : {});
  const inFolder = read('paperboy-model.json') as ModelManifest;
  const manifest: ModelManifest = options.settings && (inFolder.id === undefined || inFolder.id === options.settings.id) ? { ...inFolder, ...options.settings } : inFolder;
  const config = read('config.json') as { hidden_size?: number; _name_or_path?: string };
  const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  const session = await ort.InferenceSession.create(modelFile, {
    intraOpNumThreads: options.threads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const dims = manifest.dims ?? config.hidden_size ?? 384;
  const pooling = manifest.pooling ?? 'mean';
  const maxTokens = options.maxTokens ?? manifest.maxTokens ?? 256;
  const batchSize = options.batchSize ?? 16;
  const tokenBudget = options.tokenBudget ?? TOKEN_BUDGET;
  const needsTypes = session.inputNames.includes('token_type_ids');
  const modelId =
    `${manifest.id ?? config._name_or_path ?? dir}${manifest.variant ? `@${manifest.variant}` : ''}` +
    (options.maxTokens !== undefined && options.maxTokens !== manifest.maxTokens ? `/max${maxTokens}` : '');

  /** Token ids of each text, truncated to the model's limit (keeping the closing [SEP] it was trained with). */
  function encode(texts: readonly string[]): number[][] {
    return texts.map((text) => {
      const ids = tokenizer.encode(text).ids;
      return ids.length <= maxTokens ? ids : [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]!];
    });
  }

  async function run(encoded: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const length = Math.max(1, ...encoded.map((ids) => ids.length));
    const n = encoded.length;
    const ids = new BigInt64Array(n * length);
    const mask = new BigInt64Array(n * length);
    encoded.forEach((tokens, row) => {
      for (let j = 0; j < tokens.length; j++) {
        ids[row * length + j] = BigInt(tokens[j]!);
        mask[row * length + j] = 1n;
      }
    });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [n, length]),
      attention_mask: new ort.Tensor('int64', mask, [n, length]),
    };
    if (needsTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * length), [n, length]);
    const output = await session.run(feeds);
    const hidden = (output.last_hidden_state ?? output[session.outputNames[0]!])!.data as Float32Array;
    const vectors: Float32Array[] = [];
    for (let row = 0; row < n; row++) {
      const v = new Float32Array(dims);
      if (pooling === 'cls') v.set(hidden.subarray(row * length * dims, row * length * dims + dims));
      else {
        let count = 0;
        for (let j = 0; j < length; j++) {
          if (mask[row * length + j] === 0n) continue;
          count++;
          const base = (row * length + j) * dims;
          for (let d = 0; d < dims; d++) v[d]! += hidden[base + d]!;
        }
        for (let d = 0; d < dims; d++) v[d]! /= Math.max(1, count);
      }
      if (manifest.normalize ?? true) {
        let norm = 0;
        for (let d = 0; d < dims; d++) norm += v[d]! * v[d]!;
        norm = Math.sqrt(norm) || 1;
        for (let d = 0; d < dims; d++) v[d]! /= norm;
      }
      vectors.push(v);
    }
    return vectors;
  }

  return {
    modelId,
    dims,
    ...(manifest.minRelevance !== undefined ? { minRelevance: manifest.minRelevance } : {}),
    ...(manifest.fusion ? { fusion: manifest.fusion } : {}),
    encode,
    embedEncoded: run,
    batches: (encoded) => lengthBatches(encoded.map((e) => e.length), batchSize, tokenBudget),
    async embedQuery(text) {
      return (await run(encode([`${manifest.queryPrefix ?? ''}${text}`])))[0]!;
    },
    async embedDocuments(texts) {
      const encoded = encode(texts);
      const result = new Array<Float32Array>(texts.length);
      for (const batch of lengthBatches(encoded.map((e) => e.length), batchSize, tokenBudget)) {
        const vectors = await run(batch.map((i) => encoded[i]!));
        batch.forEach((i, k) => (result[i] = vectors[k]!));
      }
      return result;
    },
  };
}

/**
 * Batches of text indices, grouped by token count: texts of similar length share a batch, so that
 * little padding is computed (a text more than a quarter longer than the batch's shortest starts a
 * new batch), and a batch holds at most `maxBatch` texts and `tokenBudget` tokens (padded), so that
 * long texts go alone. Padding also changes the vectors of an int8 model (its
 * activations are quantised per batch and see the padded positions), so this is for quality as much
 * as for speed; docs/performance.md has the measurements.
 */
export function lengthBatches(tokenCounts: readonly number[], maxBatch: number, tokenBudget = TOKEN_BUDGET): number[][] {
  const order = tokenCounts.map((_, i) => i).sort((a, b) => tokenCounts[a]! - tokenCounts[b]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    // Sorted ascending: the text being added is the longest of its batch.
    const padding = current.length > 0 && tokenCounts[i]! > tokenCounts[current[0]!]! * 1.25 + 8;
    if (current.length > 0 && (padding || current.length >= maxBatch || (current.length + 1) * tokenCounts[i]! > tokenBudget)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
