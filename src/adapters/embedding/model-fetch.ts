import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { manifestOf, type ModelSpec } from '../../config/models.ts';
import { PaperboyError } from '../../core/errors.ts';

export interface ModelFetchOptions {
  /** Progress lines for a person (default: none). */
  log?: (line: string) => void;
  /** Whole-download limit (default 10 minutes). */
  timeoutMs?: number;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const MANIFEST = 'paperboy-model.json';

/** Whether `dir` holds every file of the model with its pinned sha256. */
export function modelIntact(spec: ModelSpec, dir: string): boolean {
  return spec.files.every((f) => existsSync(join(dir, f.path)) && sha256(readFileSync(join(dir, f.path))) === f.sha256);
}

/** Writes paperboy-model.json from the catalog when it is missing or says something else. */
function writeManifest(spec: ModelSpec, dir: string): void {
  const text = JSON.stringify(manifestOf(spec), null, 2) + '\n';
  const file = join(dir, MANIFEST);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
}

async function download(url: string, timeoutMs: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    throw new PaperboyError('UPSTREAM_FAILED', `cannot download ${url}: ${(error as Error).message}`, { url });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new PaperboyError('UPSTREAM_FAILED', `cannot download ${url}: HTTP ${response.status}`, { url, status: response.status });
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message;
    throw new PaperboyError('UPSTREAM_FAILED', `download of ${url} broke off: ${(error as Error).message}${cause ? ` (${cause})` : ''}`, { url });
  }
  const expected = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(expected) && body.length !== expected) {
    throw new PaperboyError('UPSTREAM_FAILED', `download of ${url} is truncated: ${body.length} of ${expected} bytes`, { url });
  }
  return body;
}

/**
 * Puts the model `spec` into `target` in the Hugging Face layout the loader reads, with Node alone:
 * downloads its archive (a Maven jar, i.e. a zip) over HTTPS, checks the archive's sha256, unzips
 * the model's files and checks each one's sha256, writes paperboy-model.json from the catalog, and
 * renames the finished folder into place, so that an interrupted or refused download never leaves a
 * folder that looks like a model. A folder already intact is left as it is ('present').
 */
export async function fetchModel(spec: ModelSpec, target: string, options: ModelFetchOptions = {}): Promise<'present' | 'fetched'> {
  const log = options.log ?? (() => {});
  if (modelIntact(spec, target)) {
    writeManifest(spec, target);
    return 'present';
  }
  if (spec.source.kind !== 'archive') {
    throw new PaperboyError('INVALID_CONFIG', `model ${spec.name} comes from ${spec.source.description}, which this downloader does not handle`, { model: spec.name });
  }
  const { url, sha256: archiveSum } = spec.source;
  log(`downloading ${url}`);
  const archive = await download(url, options.timeoutMs ?? 600_000);
  const got = sha256(archive);
  if (got !== archiveSum) {
    throw new PaperboyError('UPSTREAM_FAILED', `${url}: sha256 ${got}, expected ${archiveSum}; refusing it`, { url });
  }
  const wanted = new Map(spec.files.map((f) => [f.entry ?? f.path, f]));
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive, { filter: (file) => wanted.has(file.name) });
  } catch (error) {
    throw new PaperboyError('UPSTREAM_FAILED', `${url}: not a readable zip archive (${(error as Error).message})`, { url });
  }
  mkdirSync(dirname(target), { recursive: true });
  // A sibling of the target, so that the final rename stays on one file system.
  const staging = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    for (const [entry, file] of wanted) {
      const data = entries[entry];
      if (!data) throw new PaperboyError('UPSTREAM_FAILED', `${url}: ${entry} is missing from the archive`, { url, entry });
      const sum = sha256(data);
      if (sum !== file.sha256) throw new PaperboyError('UPSTREAM_FAILED', `${url}: ${entry} has sha256 ${sum}, expected ${file.sha256}; refusing it`, { url, entry });
      mkdirSync(dirname(join(staging, file.path)), { recursive: true });
      writeFileSync(join(staging, file.path), data);
    }
    writeManifest(spec, staging);
    // Another process (a second `serve` worker on its first start) may have installed it meanwhile:
    // never replace an intact copy, which that process may be loading.
    if (modelIntact(spec, target)) {
      log(`${spec.settings.id} (${spec.settings.variant}) was installed in ${target} meanwhile`);
      return 'present';
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`${spec.settings.id} (${spec.settings.variant}) ready in ${target}`);
  return 'fetched';
}
