import type { HarvestOptions, HarvestReport } from '../app/harvest.ts';
import type { HfHarvestOptions, HfHarvestReport } from '../app/hf-harvest.ts';
import type { ImportOptions, ImportReport } from '../app/import-files.ts';
import type { EvalRow, EvalVariant } from '../app/search/evaluate.ts';
import type { SearchHit, SearchRequest, SearchResponse } from '../app/search/search-engine.ts';
import type { PaperStats } from '../ports/paper-store.ts';
import type { IndexStatus } from '../app/search/search-service.ts';
import type { RecommendRequest, RecommendResponse } from '../app/recommend.ts';
import type { RecsEvalOptions, RecsEvalResult } from '../app/recommend-eval.ts';

/** Options every subcommand accepts. */
export interface GlobalOptions {
  data?: string;
  config?: string;
  /** Embedding model by name (`--model` on the commands that load it). */
  model?: string;
}

/** What the CLI needs from the composed application; the composition root provides it (src/compose/cli-services.ts). */
export interface CliServices {
  readonly dataDir: string;
  /** The bundled starter corpus (null when the installation lacks it) and whether `serve` imports it into an empty database. */
  readonly starter: { file: string | null; onFirstStart: boolean };
  readonly harvestDefaults: { sets: readonly string[]; metadataPrefix: 'arXivRaw' | 'arXiv'; baseUrl: string };
  importFiles(paths: readonly string[], options: ImportOptions): Promise<ImportReport>;
  harvest(options: HarvestOptions): Promise<HarvestReport>;
  /** Hugging Face daily papers from the checkpoint (or the days given), with their signals' daily values. */
  harvestHf(options: HfHarvestOptions): Promise<HfHarvestReport>;
  stats(): Promise<PaperStats>;
  /** Whether the database has ever held a paper (one indexed read, unlike `stats`). */
  everHeldPapers(): Promise<boolean>;
  /** The on-disk search index's state, after rebuilding it when asked (or when it cannot be trusted). */
  index(options: { rebuild: boolean }): Promise<IndexStatus & { dir: string; bytes: number; model: string | null }>;
  search(request: SearchRequest): Promise<SearchResponse>;
  /** Papers of a window ranked for explicit likes and dislikes (docs/recommendations.md). */
  recommend(request: RecommendRequest): Promise<RecommendResponse>;
  /** `paperboy eval-recs`: the author-continuation protocol over the stored papers and their embeddings. */
  /** `textOnly`: only text methods ran, so papers without an embedding took part. */
  evalRecs(options: Partial<RecsEvalOptions>): Promise<RecsEvalResult & { model: string; textOnly: boolean; withoutVector: number; undated: number }>;
  similar(id: string, limit: number): Promise<{ mode: 'semantic' | 'lexical'; hits: SearchHit[]; found: boolean }>;
  /** Embeds papers whose embedding is missing or stale; null when no model is available. */
  embed(options: { limit?: number; onProgress?: (done: number, total: number) => void }): Promise<{ model: string; previous: { model: string; papers: number }[]; embedded: number; remaining: number } | null>;
  evaluate(dir: string, split: string, variants: readonly EvalVariant[], onProgress?: (stage: string, done: number, total: number) => void): Promise<{ rows: EvalRow[]; model: string | null; queries: number; documents: number }>;
  /** Why semantic search is off, or null when a model is loaded. */
  modelProblem(): Promise<string | null>;
  /**
   * Starts the HTTP server; resolves once it listens, with its URL, `ready` (ms from listening to
   * ready for all traffic: GET /readyz), `fetch` (answers one request) and a stop function. With
   * `handedOver` (a worker thread of `serve --workers N`) it does not listen: the main thread, which
   * listens on that port, hands requests to `fetch`.
   */
  serve(options: { host?: string; port?: number; handedOver?: { port: number } }): Promise<{ url: string; ready: Promise<number>; fetch: (request: Request, env?: unknown) => Promise<Response>; stop: () => Promise<void> }>;
  /** Where `serve` listens unless told otherwise (the configuration's host and port). */
  readonly listen: { host: string; port: number };
  /** The on-disk search index's folder. */
  readonly indexDir: string;
  /** Plans the digests due (or those of `date`) and sends the outbox; dry runs only compose. */
  digestRun(options: { date?: string; email?: string; dryRun?: boolean }): Promise<{
    planned: number; empty: number; skipped: number; sent: number; retried: number; failed: number;
    previews: { email: string; period: string; subject: string; text: string; papers: number }[];
  }>;
  /** `paperboy migrate-store`: copies the SQLite database into PostgreSQL `to` and counts both sides. */
  migrateStore(to: string, options: { replace: boolean; onProgress?: (table: string, done: number, total: number) => void }): Promise<{
    target: string; tables: { table: string; source: number; target: number }[]; outbox: { state: string; source: number; target: number }[]; skipped: string[];
  }>;
  close(): Promise<void>;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliContext {
  stdout: Output;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** `purpose` picks the default log level: 'info' for the service, 'warn' for one-off commands. */
  openServices(globals: GlobalOptions, purpose?: 'service' | 'command'): Promise<CliServices>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  untilSignal(): Promise<string>;
  /**
   * `serve --workers N`: listens and runs N worker threads, each serving as `serve` alone does;
   * returns once they have stopped after SIGINT/SIGTERM.
   */
  serveWorkers(globals: GlobalOptions, options: { host: string; port: number; workers: number; indexDir: string; readyLine: (ms: number) => string }): Promise<void>;
}

/** Exit codes: 0 ok, 1 some records rejected, 2 usage or fatal error. */
export const EXIT = { OK: 0, REJECTED: 1, FATAL: 2 } as const;
