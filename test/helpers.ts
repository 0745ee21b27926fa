import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { fileSourceOpener } from '../src/adapters/formats/open-source.ts';
import { importFiles, type ImportOptions } from '../src/app/import-files.ts';
import type { ItemReport } from '../src/app/ingest.ts';
import { openStores } from '../src/compose/stores.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { PaperStore } from '../src/ports/paper-store.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { dataDirOf, databaseUrlFor, onPostgres, storeEnv, storeQuery } from './test-store.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
/** The starter corpus shipped with the repository (4,232 real arXiv papers, CC0 metadata). */
export const STARTER_CORPUS = join(ROOT, 'starter', 'arxiv-starter.jsonl.gz');
export const fixture = (name: string) => join(FIXTURES, name);

const cleanups: (() => void)[] = [];
process.once('exit', () => {
  for (const cleanup of cleanups.reverse()) {
    try {
      cleanup();
    } catch {
      // best effort
    }
  }
});

/** A fresh temporary directory, removed when the test process exits (works from hooks too). */
export function tempDir(prefix = 'paperboy-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function fixedClock(iso = '2024-01-10T12:00:00Z'): Clock & { set(iso: string): void } {
  let now = Date.parse(iso);
  return {
    now: () => now,
    sleep: async () => {},
    set(next: string) {
      now = Date.parse(next);
    },
  };
}

/** Runs `close` when the test process exits (a store or composed services a test does not close itself). */
export function closeAtExit(close: () => unknown): void {
  cleanups.push(() => void close());
}

/**
 * Opens the stores of a data directory (a fresh one by default): its SQLite file, or with
 * PAPERBOY_TEST_STORE=postgres its PostgreSQL database (test/test-store.ts). `store` is the paper
 * store, `stores` every port, `sql` a query for checks in SQL both dialects share, `importFiles`
 * imports fixtures. The same `dir` again opens the same data.
 */
export async function testStore(dir = tempDir(), clock: Clock = fixedClock()) {
  const databaseUrl = onPostgres ? await databaseUrlFor(dir) : undefined;
  const config = loadConfig({ env: {}, installDir: ROOT, overrides: { dataDir: dir, ...(databaseUrl ? { databaseUrl } : {}) } });
  const stores = await openStores(config, clock);
  closeAtExit(() => stores.close());
  const store: PaperStore = stores.papers;
  return { dir, store, stores, sql: storeQuery(stores), clock, importFiles: importer(store, clock) };
}

/** Imports files (read in this thread) into `store`, reporting every item. */
export function importer(store: PaperStore, clock: Clock) {
  return async (paths: string[], options: ImportOptions = {}) => {
    const items: (ItemReport & { file: string })[] = [];
    const report = await importFiles({ store, sources: fileSourceOpener, clock, logger: silentLogger }, paths, {
      ...options,
      onItem: (file, item) => items.push({ file, ...item }),
    });
    return { report, items, rejected: items.filter((i) => i.outcome === 'rejected') };
  };
}

/** Environment that keeps `serve` from calling Hugging Face and GitHub on its schedules (tests use 127.0.0.1 only). */
export const OFFLINE_SIGNALS = { PAPERBOY_HF_SCHEDULE: 'off', PAPERBOY_GITHUB_SCHEDULE: 'off' } as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `paperboy` command (bin/paperboy.js) in a child process (on the test store: test/test-store.ts). */
export async function runPaperboy(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const merged = { ...OFFLINE_SIGNALS, ...process.env, PAPERBOY_DATA: '', ...options.env };
  const env = await storeEnv(dataDirOf(args, merged), merged);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * `paperboy ARGS` (a `serve`) in a child process: resolves once its log says where it listens, with
 * its URL, its stderr so far, its exit code (once closed) and a stop function (SIGTERM, then the code).
 */
export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv; listening?: RegExp } = {}) {
  // The trending signals' schedules reach huggingface.co and api.github.com: off unless a test turns them on.
  const merged = { ...OFFLINE_SIGNALS, ...(options.env ?? process.env) };
  const env = await storeEnv(dataDirOf(args, merged), merged);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const listening = options.listening ?? /listening on (http:\/\/127\.0\.0\.1:\d+)/;
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      const match = listening.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void exit.then((code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  return {
    child,
    url,
    stderr: () => stderr,
    exit,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** How many times the event loop turned (setImmediate callbacks ran) while `work` ran, and its result. */
export async function loopTurnsDuring<T>(work: () => Promise<T>): Promise<{ turns: number; result: T }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const result = await work();
  running = false;
  return { turns, result };
}
