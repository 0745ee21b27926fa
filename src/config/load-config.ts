import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { PaperboyError } from '../core/errors.ts';
import { trustedProxiesProblem } from '../core/trusted-proxies.ts';
import { DEFAULT_MODEL, findModel, MODEL_NAMES, type ModelSpec } from './models.ts';

const positiveInt = z.coerce.number().int().positive();
/** A croner expression (5 or 6 fields) or 'off'. */
const cronOrOff = z.string().max(100).refine((v) => {
  if (v === 'off') return true;
  try {
    new Cron(v, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}, { message: "must be a cron expression such as '17 * * * *', or off" });
const bool = z.preprocess((v) => (v === '0' || v === 'false' ? false : v === '1' || v === 'true' ? true : v), z.boolean());

const schema = z.object({
  dataDir: z.string().min(1),
  /**
   * postgres://user:password@host:port/database: the stores live in this PostgreSQL database
   * (docs/deployment.md); unset: in the SQLite file <dataDir>/paperboy.db.
   */
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  /** Unset: 'info' for the service, 'warn' for one-off commands. */
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  /** The embedding model, by name from the catalog (src/config/models.ts). */
  model: z.string().refine((name) => findModel(name) !== undefined, { message: `must be one of ${MODEL_NAMES.join(', ')}` }),
  /** Folder of the embedding model (Hugging Face layout); default models/<model>. Semantic search is off when it is absent. */
  modelDir: z.string().min(1).optional(),
  /** Download a missing model on first use (from the catalog's pinned, sha256-checked archive). */
  modelDownload: bool,
  /** A mirror of the model's archive, used instead of the catalog's URL (the sha256 is still checked). */
  modelUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Public URL of the service, used in mailed links and feeds; default http://host:port. */
  baseUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).optional(),
  /** Secret for CSRF tokens and signed links; default: generated once into <dataDir>/secret. */
  secret: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed: a hop count ('1') or
   * addresses and CIDR ranges ('127.0.0.1,::1,10.0.0.0/8'); unset or '0': none.
   */
  trustedProxies: z.string().max(4000).superRefine((v, ctx) => {
    const problem = trustedProxiesProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).optional(),
  /** Deprecated: true means trustedProxies '1' (one proxy hop) when trustedProxies is unset. */
  trustProxy: bool,
  /** 'on': `serve` imports the bundled starter corpus when it finds the database empty. */
  starter: z.enum(['on', 'off']),
  /** Per-client rate limits on search, sign-in and votes (turn off only for benchmarks). */
  rateLimits: bool,
  index: z.object({
    /** Megabytes of frequent terms' postings a process keeps in memory between searches, shared by its `serve` worker threads (0: none). */
    postingsCacheMb: z.coerce.number().int().min(0).max(1_000_000),
    /** Megabytes of int8 vector copies each `serve` process keeps in memory (0: none; cosines read from the index files). */
    vectorCacheMb: z.coerce.number().int().min(0).max(1_000_000),
  }),
  smtp: z.object({
    /** Unset: mails are written to the log instead (development). */
    host: z.string().min(1).optional(),
    port: z.coerce.number().int().min(1).max(65535),
    secure: bool,
    requireTls: bool,
    rejectUnauthorized: bool,
    user: z.string().optional(),
    pass: z.string().optional(),
    from: z.string().min(3).refine((v) => !/[\r\n]/.test(v), 'must be one line'),
    maxConnections: positiveInt,
  }),
  digest: z.object({
    /** Cron expression (croner) of the in-service digest run; 'off' turns the scheduler off. */
    schedule: z.string().max(100),
    ratePerMinute: positiveInt,
    /** A sender run's claim on a digest lasts this long unless renewed (every leaseMs/3 while sending). */
    leaseMs: z.coerce.number().int().min(1000, 'must be at least 1000 (ms)'),
    /** Address in List-Unsubscribe's mailto (default unsubscribe@<host of baseUrl>). */
    unsubscribeMailto: z.email().optional(),
  }),
  /** Caps on the mail that requests trigger (sign-in links, subscription confirmations). */
  mail: z.object({
    perAddressPerHour: positiveInt,
    perHour: positiveInt,
    /** Requested mails waiting to be sent, at most (in memory). */
    queueSize: positiveInt,
  }),
  harvest: z.object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    sets: z.array(z.string().regex(/^[a-z-]+(?::[A-Za-z-]+(?::[A-Za-z-]+)?)?$/, 'must be an OAI set such as cs or physics:hep-th')).min(1),
    metadataPrefix: z.enum(['arXivRaw', 'arXiv']),
    minIntervalMs: positiveInt,
    timeoutMs: positiveInt,
    maxAttempts: positiveInt,
    backoffBaseMs: positiveInt,
    initialDays: positiveInt,
    contactEmail: z.email().optional(),
  }),
  /** Hugging Face daily papers, imported on a schedule inside `serve` (docs/trending.md). */
  hf: z.object({
    /** Cron expression (croner); 'off' turns the scheduled import off (`paperboy harvest --source hf` still works). */
    schedule: cronOrOff,
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** Days before today read again on every run, so that upvotes keep moving. */
    rereadDays: z.coerce.number().int().min(0).max(60),
    /** First run (no checkpoint): this many days back. */
    initialDays: positiveInt,
    timeoutMs: positiveInt,
    maxAttempts: positiveInt,
    backoffBaseMs: positiveInt,
    minIntervalMs: z.coerce.number().int().min(0),
  }),
  /** GitHub stars of linked repositories, refreshed on a schedule inside `serve`. */
  github: z.object({
    schedule: cronOrOff,
    apiUrl: z.url({ protocol: /^https?$/ }),
    /** Optional: raises GitHub's limit from 60 to 5,000 requests an hour. Never logged. */
    token: z.string().min(1).optional(),
    reposPerRun: positiveInt,
    /** A repository checked less than this many minutes ago waits for a later run. */
    recheckMinutes: z.coerce.number().int().min(0),
  }),
  /** Count distinct readers of paper pages (no addresses stored) as a trending signal. */
  readerSignals: bool,
});

export type Config = Readonly<Omit<z.infer<typeof schema>, 'trustedProxies' | 'modelDir'> & { dbFile: string; trustedProxies: string; modelDir: string; modelSpec: ModelSpec }>;

/** Every setting with its default; docs/configuration.md explains each. */
export const DEFAULTS = {
  dataDir: './data',
  host: '127.0.0.1',
  port: 3000,
  model: DEFAULT_MODEL,
  modelDownload: true,
  trustProxy: false,
  starter: 'on',
  rateLimits: true,
  index: { postingsCacheMb: 512, vectorCacheMb: 1536 },
  digest: { schedule: '* * * * *', ratePerMinute: 600, leaseMs: 60_000 },
  mail: { perAddressPerHour: 5, perHour: 200, queueSize: 1000 },
  smtp: { port: 587, secure: false, requireTls: false, rejectUnauthorized: true, from: 'Paperboy <paperboy@localhost>', maxConnections: 3 },
  harvest: {
    baseUrl: 'https://oaipmh.arxiv.org/oai',
    sets: ['cs'],
    metadataPrefix: 'arXivRaw',
    minIntervalMs: 3000,
    timeoutMs: 60_000,
    maxAttempts: 5,
    backoffBaseMs: 5000,
    initialDays: 7,
  },
  hf: { schedule: '17 * * * *', baseUrl: 'https://huggingface.co', rereadDays: 3, initialDays: 7, timeoutMs: 30_000, maxAttempts: 5, backoffBaseMs: 5000, minIntervalMs: 1000 },
  github: { schedule: '47 * * * *', apiUrl: 'https://api.github.com', reposPerRun: 50, recheckMinutes: 360 },
  readerSignals: true,
} as const;

/** Environment variables and the setting each one sets. */
export const ENV_VARS: Record<string, string> = {
  PAPERBOY_DATA: 'dataDir',
  PAPERBOY_DATABASE_URL: 'databaseUrl',
  PAPERBOY_HOST: 'host',
  PAPERBOY_PORT: 'port',
  PAPERBOY_LOG_LEVEL: 'logLevel',
  PAPERBOY_MODEL: 'model',
  PAPERBOY_MODEL_DIR: 'modelDir',
  PAPERBOY_MODEL_DOWNLOAD: 'modelDownload',
  PAPERBOY_MODEL_URL: 'modelUrl',
  PAPERBOY_BASE_URL: 'baseUrl',
  PAPERBOY_SECRET: 'secret',
  PAPERBOY_TRUSTED_PROXIES: 'trustedProxies',
  PAPERBOY_TRUST_PROXY: 'trustProxy',
  PAPERBOY_STARTER: 'starter',
  PAPERBOY_RATE_LIMITS: 'rateLimits',
  PAPERBOY_POSTINGS_CACHE_MB: 'index.postingsCacheMb',
  PAPERBOY_VECTOR_CACHE_MB: 'index.vectorCacheMb',
  PAPERBOY_SMTP_HOST: 'smtp.host',
  PAPERBOY_SMTP_PORT: 'smtp.port',
  PAPERBOY_SMTP_SECURE: 'smtp.secure',
  PAPERBOY_SMTP_REQUIRE_TLS: 'smtp.requireTls',
  PAPERBOY_SMTP_REJECT_UNAUTHORIZED: 'smtp.rejectUnauthorized',
  PAPERBOY_SMTP_USER: 'smtp.user',
  PAPERBOY_SMTP_PASS: 'smtp.pass',
  PAPERBOY_MAIL_FROM: 'smtp.from',
  PAPERBOY_SMTP_MAX_CONNECTIONS: 'smtp.maxConnections',
  PAPERBOY_DIGEST_SCHEDULE: 'digest.schedule',
  PAPERBOY_DIGEST_RATE_PER_MINUTE: 'digest.ratePerMinute',
  PAPERBOY_UNSUBSCRIBE_MAILTO: 'digest.unsubscribeMailto',
  PAPERBOY_DIGEST_LEASE_MS: 'digest.leaseMs',
  PAPERBOY_MAIL_PER_ADDRESS_PER_HOUR: 'mail.perAddressPerHour',
  PAPERBOY_MAIL_PER_HOUR: 'mail.perHour',
  PAPERBOY_MAIL_QUEUE_SIZE: 'mail.queueSize',
  PAPERBOY_OAI_URL: 'harvest.baseUrl',
  PAPERBOY_HARVEST_SETS: 'harvest.sets',
  PAPERBOY_HARVEST_PREFIX: 'harvest.metadataPrefix',
  PAPERBOY_HARVEST_INTERVAL_MS: 'harvest.minIntervalMs',
  PAPERBOY_HARVEST_TIMEOUT_MS: 'harvest.timeoutMs',
  PAPERBOY_HARVEST_ATTEMPTS: 'harvest.maxAttempts',
  PAPERBOY_HARVEST_BACKOFF_MS: 'harvest.backoffBaseMs',
  PAPERBOY_HARVEST_INITIAL_DAYS: 'harvest.initialDays',
  PAPERBOY_CONTACT_EMAIL: 'harvest.contactEmail',
  PAPERBOY_HF_SCHEDULE: 'hf.schedule',
  PAPERBOY_HF_URL: 'hf.baseUrl',
  PAPERBOY_HF_REREAD_DAYS: 'hf.rereadDays',
  PAPERBOY_HF_INITIAL_DAYS: 'hf.initialDays',
  PAPERBOY_HF_TIMEOUT_MS: 'hf.timeoutMs',
  PAPERBOY_HF_ATTEMPTS: 'hf.maxAttempts',
  PAPERBOY_HF_BACKOFF_MS: 'hf.backoffBaseMs',
  PAPERBOY_HF_INTERVAL_MS: 'hf.minIntervalMs',
  PAPERBOY_GITHUB_SCHEDULE: 'github.schedule',
  PAPERBOY_GITHUB_API_URL: 'github.apiUrl',
  PAPERBOY_GITHUB_TOKEN: 'github.token',
  PAPERBOY_GITHUB_REPOS_PER_RUN: 'github.reposPerRun',
  PAPERBOY_GITHUB_RECHECK_MINUTES: 'github.recheckMinutes',
  PAPERBOY_READER_SIGNALS: 'readerSignals',
};

type Plain = Record<string, unknown>;

function setPath(target: Plain, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Plain;
  node[parts[parts.length - 1]!] = value;
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'object' && value !== null && !Array.isArray(value) && typeof base[key] === 'object'
      ? deepMerge(base[key] as Plain, value as Plain)
      : value;
  }
  return out;
}

export interface LoadConfigInput {
  env: Record<string, string | undefined>;
  /** JSON config file (`--config` or PAPERBOY_CONFIG). */
  file?: string;
  /** Command-line flags, highest precedence, e.g. { dataDir }. */
  overrides?: Plain;
  /** Where Paperboy is installed: relative model folders resolve against it (default: cwd). */
  installDir?: string;
}

/**
 * Builds the configuration from defaults < config file < environment < flags, validates it, and
 * reports every problem at once. The result is frozen.
 */
export function loadConfig(input: LoadConfigInput): Config {
  let merged: Plain = structuredClone(DEFAULTS) as unknown as Plain;
  const file = input.file ?? input.env.PAPERBOY_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new PaperboyError('INVALID_CONFIG', `config file ${file}: ${(error as Error).message}`, { file });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PaperboyError('INVALID_CONFIG', `config file ${file}: expected a JSON object`, { file });
    }
    merged = deepMerge(merged, parsed as Plain);
  }
  const fromEnv: Plain = {};
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const value = input.env[name];
    if (value === undefined || value === '') continue;
    setPath(fromEnv, path, path === 'harvest.sets' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);
  }
  merged = deepMerge(merged, fromEnv);
  merged = deepMerge(merged, input.overrides ?? {});

  const result = schema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const env = Object.entries(ENV_VARS).find(([, p]) => p === path)?.[0];
      return `${path}${env ? ` (${env})` : ''}: ${issue.message}`;
    });
    throw new PaperboyError('INVALID_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
  const dataDir = resolve(result.data.dataDir);
  const modelSpec = findModel(result.data.model)!;
  // A relative model folder is relative to the installation (models/ sits next to package.json).
  const modelDir = resolve(input.installDir ?? '.', result.data.modelDir ?? join('models', modelSpec.dir));
  // The deprecated PAPERBOY_TRUST_PROXY=1 meant "believe the proxy in front of us": one hop.
  const trustedProxies = result.data.trustedProxies ?? (result.data.trustProxy ? '1' : '0');
  return deepFreeze({ ...result.data, model: modelSpec.name, modelSpec, trustedProxies, dataDir, modelDir, dbFile: join(dataDir, 'paperboy.db') });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
