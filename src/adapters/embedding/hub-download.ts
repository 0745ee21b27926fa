import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PaperboyError } from '../../core/errors.ts';
import type { Logger } from '../../ports/logger.ts';

export interface HubModel {
  /** Hugging Face repository, e.g. `Xenova/all-MiniLM-L6-v2` (ONNX exports live in such repos). */
  repo: string;
  revision?: string;
  /** The ONNX file inside the repository. */
  onnxFile: string;
  /** Written as paperboy-model.json next to the files. */
  manifest: Record<string, unknown>;
}

const SIDE_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

/**
 * Downloads a model from the Hugging Face hub (or a mirror at `hubUrl`) into `dir`, in the layout
 * loadOnnxEmbedder reads, on first use. Each file goes to a temporary name and is renamed when
 * complete, so an interrupted download is never mistaken for a model.
 */
export async function downloadFromHub(model: HubModel, dir: string, options: { hubUrl: string; logger: Logger; timeoutMs?: number }): Promise<void> {
  const revision = model.revision ?? 'main';
  const files = [...SIDE_FILES, model.onnxFile];
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const target = join(dir, file === model.onnxFile ? join('onnx', file.split('/').pop()!) : file);
    if (existsSync(target)) continue;
    const url = `${options.hubUrl.replace(/\/$/, '')}/${model.repo}/resolve/${revision}/${file}`;
    options.logger.info('model.download', { url });
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 300_000), redirect: 'follow' });
    } catch (error) {
      throw new PaperboyError('UPSTREAM_FAILED', `cannot download ${url}: ${(error as Error).message}`, { url });
    }
    if (!response.ok || !response.body) {
      if (response.status === 404 && file === 'special_tokens_map.json') continue; // optional
      throw new PaperboyError('UPSTREAM_FAILED', `cannot download ${url}: HTTP ${response.status}`, { url });
    }
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(partial));
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { force: true });
      throw new PaperboyError('UPSTREAM_FAILED', `download of ${url} failed: ${(error as Error).message}`, { url });
    }
  }
  writeFileSync(join(dir, 'paperboy-model.json'), JSON.stringify(model.manifest, null, 2) + '\n');
}
