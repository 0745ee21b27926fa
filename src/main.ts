/**
 * Composition root: the one place that knows the concrete adapters. Builds the services from the
 * configuration and hands them to the CLI.
 */
import { readFileSync } from 'node:fs';
import { serve as serveHono } from '@hono/node-server';
import { CommanderError } from 'commander';
import { createOaiHttpClient } from './adapters/arxiv/oai-http-client.ts';
import { createThreadedSourceOpener } from './adapters/formats/threaded-source.ts';
import { createJsonLogger } from './adapters/json-logger.ts';
import { createSqlitePaperStore } from './adapters/sqlite/paper-store.ts';
import { harvest } from './app/harvest.ts';
import { importFiles } from './app/import-files.ts';
import { EXIT, type CliContext, type CliServices, type GlobalOptions } from './cli/context.ts';
import { createProgram } from './cli/program.ts';
import { loadConfig } from './config/load-config.ts';
import { describeError, isPaperboyError } from './core/errors.ts';
import { createApp } from './http/create-app.ts';
import { systemClock } from './ports/clock.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function openServices(globals: GlobalOptions, purpose: 'service' | 'command' = 'command'): Promise<CliServices> {
  const config = loadConfig({
    env: process.env,
    ...(globals.config ? { file: globals.config } : {}),
    overrides: globals.data ? { dataDir: globals.data } : {},
  });
  const logger = createJsonLogger({ level: config.logLevel ?? (purpose === 'service' ? 'info' : 'warn'), write: (line) => process.stderr.write(line) });
  const clock = systemClock;
  const store = createSqlitePaperStore(config.dbFile);
  const userAgent = `Paperboy/${VERSION} (self-hosted paper discovery${config.harvest.contactEmail ? `; mailto:${config.harvest.contactEmail}` : ''})`;
  return {
    dataDir: config.dataDir,
    harvestDefaults: { sets: config.harvest.sets, metadataPrefix: config.harvest.metadataPrefix, baseUrl: config.harvest.baseUrl },
    importFiles: (paths, options) => importFiles({ store, sources: createThreadedSourceOpener(), clock, logger }, paths, options),
    harvest: (options) => {
      const source = createOaiHttpClient({
        baseUrl: config.harvest.baseUrl, clock, logger, userAgent,
        minIntervalMs: config.harvest.minIntervalMs, timeoutMs: config.harvest.timeoutMs, maxAttempts: config.harvest.maxAttempts,
        backoffBaseMs: config.harvest.backoffBaseMs,
      });
      return harvest({ store, source, clock, logger }, { initialDays: config.harvest.initialDays, ...options });
    },
    stats: () => store.stats(),
    serve: async ({ host, port }) => {
      const app = createApp({ store, logger, version: VERSION });
      const hostname = host ?? config.host;
      return new Promise((resolve, reject) => {
        const server = serveHono({ fetch: app.fetch, hostname, port: port ?? config.port }, (info) => {
          resolve({
            url: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${info.port}`,
            stop: () => new Promise<void>((done) => server.close(() => done())),
          });
        });
        server.once('error', reject);
      });
    },
    close: () => store.close(),
  };
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Runs the CLI and returns the exit status (0 ok, 1 some records rejected, 2 usage or fatal error). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const ctx: CliContext = { stdout: process.stdout, stderr: process.stderr, openServices, untilSignal };
  let exit: number = EXIT.OK;
  const program = createProgram(ctx, (code) => { exit = code; }, VERSION);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.OK : EXIT.FATAL;
    }
    if (isPaperboyError(error)) process.stderr.write(`paperboy: ${error.message}\n`);
    else process.stderr.write(`paperboy: unexpected error: ${describeError(error)}\n${(error as Error).stack ?? ''}\n`);
    return EXIT.FATAL;
  }
}
