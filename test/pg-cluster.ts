/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temporary folder, `pg_ctl start` on a free
 * port of 127.0.0.1 (its unix socket inside the folder too), trust authentication, one fresh database
 * per {@link PgCluster.createDatabase} call; stopped and removed when the suite ends, and at the latest
 * when the test process exits (also after a failure). No shared server and no mock.
 *
 * Binaries: PATH first (`initdb`), then /usr/lib/postgresql/<newest>/bin (Debian's place, not on
 * PATH). initdb and postgres refuse to run as root: as root the cluster belongs to the `postgres`
 * user (Debian's package creates it; `nobody` otherwise) and both run through `runuser -u`.
 * Without binaries the PostgreSQL variants of the tests skip with a message, except under CI=true,
 * where they fail (CI installs PostgreSQL: .ci/run).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The folder holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env, debian = '/usr/lib/postgresql'): string | null {
  const candidates = (env.PATH ?? '').split(delimiter).filter(Boolean);
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  return candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(dir, name)))) ?? null;
}

const NOT_INSTALLED =
  'PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin): install it (Debian: apt-get install postgresql) to run the PostgreSQL tests';
const inCi = (env: NodeJS.ProcessEnv) => env.CI === 'true' || env.CI === '1';

/**
 * Whether the PostgreSQL variant of a suite is skipped: a skip message, or `false` to run it. Under
 * CI=true never skipped: without PostgreSQL the suite runs and fails in {@link startPgCluster}.
 */
export function postgresSkip(env: NodeJS.ProcessEnv = process.env, debian?: string): false | string {
  return findPostgresBin(env, debian) || inCi(env) ? false : NOT_INSTALLED;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the cluster start retries if another takes it first). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The user the server runs as: this one, or as root an unprivileged one (initdb refuses root). */
function serverUser(): string | null {
  if (userInfo().uid !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      execFileSync('id', ['-u', name], { stdio: 'ignore' });
      return name;
    } catch {
      // no such user
    }
  }
  throw new Error('running as root and neither a `postgres` nor a `nobody` user exists: initdb refuses to run as root');
}

export interface PgCluster {
  readonly port: number;
  /** The temporary folder (data directory, socket, server log); gone after {@link PgCluster.stop}. */
  readonly dir: string;
  /** A connection string for a new, empty database of its own. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast: no checkpoint) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

const running = new Set<() => void>();
const stopAll = () => {
  for (const stop of running) stop();
};
process.once('exit', stopAll);
// Interrupted (Ctrl-C, a runner's timeout): stop the servers, then die of the signal as before.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAll();
    process.kill(process.pid, signal);
  });
}

/**
 * A freshly initialised data directory, made once per PostgreSQL version and user and kept in the
 * temporary directory (`paperboy-pg-template-*`): a cluster copies it, a fraction of initdb's seconds.
 * Made in a folder of its own and renamed into place, so test files starting together never see half of one.
 */
async function templateCluster(bin: string, user: string | null, as: (tool: string, args: string[]) => Promise<unknown>): Promise<string> {
  const version = (await run(join(bin, 'postgres'), ['--version'])).stdout.trim().replace(/[^A-Za-z0-9.]+/g, '-');
  const path = join(tmpdir(), `paperboy-pg-template-${version}-${user ?? userInfo().uid}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const work = mkdtempSync(join(tmpdir(), 'paperboy-pg-initdb-'));
  try {
    if (user) chownSync(work, uidOf(user, '-u'), uidOf(user, '-g'));
    // The clusters are thrown away: no fsync, no locale dependence.
    await as('initdb', ['-D', join(work, 'data'), '-A', 'trust', '-U', 'paperboy', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    try {
      renameSync(join(work, 'data'), path);
    } catch (error) {
      if (!existsSync(join(path, 'PG_VERSION'))) throw error; // else another test file made it first
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return path;
}

const uidOf = (user: string, flag: '-u' | '-g') => Number(execFileSync('id', [flag, user]).toString().trim());

/**
 * Starts a new cluster. Throws (with the server log) when it cannot be started. The tests' clusters
 * skip durability (fsync, synchronous commit, full page writes: their data is thrown away);
 * `durable: true` keeps PostgreSQL's defaults, for benchmarks whose figures should hold for a real server.
 */
export async function startPgCluster(options: { env?: NodeJS.ProcessEnv; debian?: string; durable?: boolean } = {}): Promise<PgCluster> {
  const env = options.env ?? process.env;
  const bin = findPostgresBin(env, options.debian);
  if (!bin) throw new Error(`${NOT_INSTALLED}${inCi(env) ? ' (CI=true: the PostgreSQL tests fail rather than skip)' : ''}`);
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  if (user) chownSync(dir, uidOf(user, '-u'), uidOf(user, '-g'));
  const asUser = (command: string, args: string[]) => (user ? run('runuser', ['-u', user, '--', command, ...args]) : run(command, args));
  const as = (tool: string, args: string[]) => asUser(join(bin, tool), args);

  let stopped = false;
  // Synchronous: also runs from the process's exit handler.
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    running.delete(stopNow);
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // SIGQUIT: immediate shutdown, the test data is thrown away anyway.
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stopNow);

  try {
    await asUser('cp', ['-a', await templateCluster(bin, user, as), data]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const fast = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
      const settings = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}${fast}`;
      try {
        await as('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', settings, 'start']);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    let databases = 0;
    const admin = `postgres://paperboy@127.0.0.1:${port}/postgres`;
    return {
      port,
      dir,
      async createDatabase() {
        const name = `test_${process.pid}_${++databases}`;
        const pg = (await import('pg')).default;
        const client = new pg.Client({ connectionString: admin });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
        } finally {
          await client.end();
        }
        return `postgres://paperboy@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        if (stopped) return;
        try {
          await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } catch {
          // stopNow below kills what is left
        }
        stopNow();
      },
    };
  } catch (error) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    stopNow();
    throw new Error(`could not start a test PostgreSQL cluster with ${bin}${user ? ` as ${user}` : ''}: ${(error as Error).message}${serverLog ? `\n${serverLog}` : ''}`, { cause: error });
  }
}
