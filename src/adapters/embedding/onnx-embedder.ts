import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
// Must stay above onnxruntime-node: ES modules run in import order, and the runtime reads the
// variable when it loads.
import './ort-telemetry.ts';
import * as ort from 'onnxruntime-node';
import { PaperboyError } from '../../core/errors.ts';
import type { Embedder } from '../../ports/embedder.ts';

/** paperboy-model.json, written by `npm run model:fetch`; every key optional. */
interface ModelManifest {
  id?: string;
  variant?: string;
  dims?: number;
  pooling?: 'mean' | 'cls';
  normalize?: boolean;
  maxTokens?: number;
  queryPrefix?: string;
  /** Cosine below which a query's best match is noise for this model (search's minimum-relevance rule). */
  minRelevance?: number;
}

const MODEL_FILES = ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'model.onnx'];

export interface OnnxEmbedderOptions {
  /** Threads for one inference (default 2). */
  threads?: number;
  /** Documents per inference call (default 16). */
  batchSize?: number;
  /** Token limit per text, overriding the model's (it becomes part of the model id). */
  maxTokens?: number;
}

/** Whether a folder holds a model in the Hugging Face layout that {@link loadOnnxEmbedder} can read. */
export function hasModel(dir: string): boolean {
  return existsSync(join(dir, 'tokenizer.json')) && MODEL_FILES.some((f) => existsSync(join(dir, f)));
}

/**
 * Loads a sentence-embedding model from a folder in the Hugging Face layout (`config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model*.onnx`) and runs it with ONNX Runtime.
 * Pooling (mean or CLS), normalisation, the token limit and a query prefix (bge models) come from
 * `paperboy-model.json` when present.
 */
export async function loadOnnxEmbedder(dir: string, options: OnnxEmbedderOptions = {}): Promise<Embedder> {
  const modelFile = MODEL_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!modelFile || !existsSync(join(dir, 'tokenizer.json'))) {
    throw new PaperboyError('NOT_FOUND', `no embedding model in ${dir} (expected tokenizer.json and onnx/model.onnx); run npm run model:fetch`, { dir });
  }
  const read = (name: string) => (existsSync(join(dir, name)) ? (JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>) : {});
  const manifest = read('paperboy-model.json') as ModelManifest;
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
  const needsTypes = session.inputNames.includes('token_type_ids');
  const modelId =
    `${manifest.id ?? config._name_or_path ?? dir}${manifest.variant ? `@${manifest.variant}` : ''}` +
    (options.maxTokens !== undefined && options.maxTokens !== manifest.maxTokens ? `/max${maxTokens}` : '');

  async function run(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded = texts.map((text) => tokenizer.encode(text).ids);
    const length = Math.min(maxTokens, Math.max(1, ...encoded.map((ids) => ids.length)));
    const n = texts.length;
    const ids = new BigInt64Array(n * length);
    const mask = new BigInt64Array(n * length);
    encoded.forEach((tokens, row) => {
      const count = Math.min(length, tokens.length);
      for (let j = 0; j < count; j++) {
        ids[row * length + j] = BigInt(tokens[j]!);
        mask[row * length + j] = 1n;
      }
      // Truncated: keep the closing [SEP] the model was trained with.
      if (tokens.length > length) ids[row * length + length - 1] = BigInt(tokens[tokens.length - 1]!);
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
    async embedQuery(text) {
      return (await run([`${manifest.queryPrefix ?? ''}${text}`]))[0]!;
    },
    async embedDocuments(texts) {
      const out: Float32Array[] = [];
      // Similar lengths batch together, so that padding wastes little.
      const order = texts.map((t, i) => ({ i, len: t.length })).sort((a, b) => a.len - b.len);
      const result = new Array<Float32Array>(texts.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const slice = order.slice(start, start + batchSize);
        const vectors = await run(slice.map((o) => texts[o.i]!));
        slice.forEach((o, k) => (result[o.i] = vectors[k]!));
      }
      out.push(...result);
      return out;
    },
  };
}
