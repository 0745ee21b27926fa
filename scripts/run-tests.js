#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner through tsx, on both stores:
//   1. every file on SQLite (the default store);
//   2. the store-dependent files again on PostgreSQL (PAPERBOY_TEST_STORE=postgres, test/test-store.ts):
//      those that, themselves or through a local module they import, open a store or run the CLI
//      through the shared helpers (testStore, testApp, runPaperboy, startServe). The other files
//      (pure logic, parsers, the contract suites that run both adapters themselves) would only repeat.
// PAPERBOY_TEST_STORE=sqlite or =postgres runs that one pass only. Without PostgreSQL installed the
// second pass is skipped with a message, except under CI=true (test/pg-cluster.ts).
// Arguments filter the files by a part of their path. Node 20's `--test` does not expand globs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

// The helpers that put data in the store under test, and the files that define them.
const STORE_HELPERS = /\b(testStore|testApp|runPaperboy|startServe)\(/;
const DEFINING = new Set(['test/helpers.ts', 'test/app-helpers.ts', 'test/test-store.ts'].map((f) => resolve(f)));
const LOCAL_IMPORT = /\bfrom\s+'(\.{1,2}\/[^']+\.ts)'/g;

// Files that start PostgreSQL clusters of their own (test/pg-cluster.ts: the contract suites, the
// cross-instance tests, migrate-store) test PostgreSQL in the first pass already; a second run
// would repeat them (and migrate-store's source must be a SQLite file).
const OWN_CLUSTER = /\bstartPgCluster\(/;
// A file may say why its store does not matter (`// store-independent: <reason>`): it runs once.
const STORE_INDEPENDENT = /^\/\/ store-independent: (.+)$/m;

/** Whether `file`, or a local module it imports (transitively), calls one of the store helpers. */
function usesStore(file, seen = new Set()) {
  const path = resolve(file);
  if (seen.has(path) || DEFINING.has(path)) return false;
  seen.add(path);
  const text = readFileSync(path, 'utf8');
  if (STORE_HELPERS.test(text)) return true;
  return [...text.matchAll(LOCAL_IMPORT)].some(([, spec]) => usesStore(join(dirname(path), spec), seen));
}

// --test-force-exit: a test file's process ends when its tests have. Without it a test that fails
// before it stops a timer it started (or leaves a pool open) keeps its process, and the whole run,
// waiting forever instead of reporting the failure. Exit handlers still run (test/pg-cluster.ts
// stops its clusters in one).
function runPass(label, files, env) {
  console.log(`\nrun-tests: ${label}: ${files.length} files`);
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', '--test-force-exit', ...files],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  const status = result.status ?? 1;
  console.log(`run-tests: ${label}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${Math.round((Date.now() - started) / 1000)} s`);
  return status;
}

/** test/pg-cluster.ts's answer: a reason to skip the PostgreSQL pass, or false. */
function postgresSkip() {
  const ask = "import('./test/pg-cluster.ts').then((m) => process.stdout.write(JSON.stringify(m.postgresSkip())))";
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ask], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`run-tests: could not ask test/pg-cluster.ts whether PostgreSQL is installed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const filter = process.argv.slice(2);
const files = [...find('src'), ...find('test')]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(2);
}
const only = process.env.PAPERBOY_TEST_STORE;
if (only && only !== 'sqlite' && only !== 'postgres') {
  console.error(`run-tests: PAPERBOY_TEST_STORE=${only}: expected sqlite or postgres`);
  process.exit(2);
}

const failed = [];
if (only !== 'postgres' && runPass('SQLite pass', files, { PAPERBOY_TEST_STORE: 'sqlite' }) !== 0) failed.push('SQLite');
if (only !== 'sqlite') {
  const onPostgres = files.filter((f) => usesStore(f) && !OWN_CLUSTER.test(readFileSync(f, 'utf8')) && !STORE_INDEPENDENT.test(readFileSync(f, 'utf8')));
  for (const f of files) {
    const reason = usesStore(f) && STORE_INDEPENDENT.exec(readFileSync(f, 'utf8'))?.[1];
    if (reason) console.log(`run-tests: ${f} runs on SQLite only (store-independent: ${reason})`);
  }
  const skip = onPostgres.length > 0 && postgresSkip();
  if (onPostgres.length === 0) console.log('\nrun-tests: PostgreSQL pass: no store-dependent file matched');
  else if (skip) console.log(`\nrun-tests: PostgreSQL pass SKIPPED: ${skip}`);
  else if (runPass('PostgreSQL pass', onPostgres, { PAPERBOY_TEST_STORE: 'postgres' }) !== 0) failed.push('PostgreSQL');
}
if (failed.length) console.log(`\nrun-tests: failed on ${failed.join(' and ')}`);
process.exit(failed.length ? 1 : 0);
