import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSqlitePaperStore } from '../src/adapters/sqlite/paper-store.ts';
import { cliServices } from '../src/compose/cli-services.ts';
import { composeServices, type ComposeOptions, type Services } from '../src/compose/compose-services.ts';
import { startServing } from '../src/compose/serve-loop.ts';
import { SOLE_PROCESS, workerRoleFrom } from '../src/compose/worker-role.ts';
import { loadConfig } from '../src/config/load-config.ts';
import type { Logger } from '../src/ports/logger.ts';
import { memoryMailer, testApp } from './app-helpers.ts';
import { fixture, ROOT, tempDir } from './helpers.ts';

const SRC = join(ROOT, 'src');

/** Every source file under src/, with its text. */
function sources(dir = SRC, out: { file: string; text: string }[] = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.tsx?$/.test(name)) out.push({ file: path.slice(SRC.length + 1), text: readFileSync(path, 'utf8') });
  }
  return out;
}

/** A logger that keeps the events it was given. */
function recordingLogger(): Logger & { events: string[] } {
  const events: string[] = [];
  const keep = (event: string) => void events.push(event);
  return { events, debug: keep, info: keep, warn: keep, error: keep };
}

/** A 127.0.0.1 server that counts requests and answers 404 (the model archive's URL, the HF API). */
async function countingServer(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function compose(overrides: Record<string, unknown>, options: ComposeOptions = {}) {
  const config = loadConfig({ env: {}, installDir: ROOT, overrides: { dataDir: tempDir(), starter: 'off', ...overrides } });
  const services = await composeServices(config, options);
  closers.push(services.close);
  return services;
}

describe('the composition root', () => {
  it('opens the database the configuration names, and the services write to it', async () => {
    const services = await compose({ modelDir: tempDir() });
    assert.ok(services.stores.kind === 'sqlite');
    assert.equal(services.stores.papers.db.name, services.config.dbFile);
    const cli = cliServices(services);
    const report = await cli.importFiles([fixture('web-papers.jsonl')], {});
    assert.ok(report.counts.added > 0);
    const other = createSqlitePaperStore(services.config.dbFile);
    try {
      assert.equal((await other.stats()).papers, report.counts.added, 'another connection to the named file sees the import');
    } finally {
      await other.close();
    }
    assert.ok(existsSync(join(services.config.dataDir, 'index')), 'the import wrote the on-disk index under the data directory');
  });

  it('chooses the store in src/compose/stores.ts and nowhere else', () => {
    const opening = sources().filter(({ file, text }) => !file.startsWith('adapters/') && /\bcreateSqlite\w+\(/.test(text)).map(({ file }) => file);
    assert.deepEqual(opening, ['compose/stores.ts']);
  });

  it('composes a command without loading the model or starting schedules', async () => {
    const model = await countingServer();
    closers.push(model.close);
    const logger = recordingLogger();
    // An empty model folder with downloads on: loading the model would first fetch its archive from `model`.
    const services = await compose({ modelDir: join(tempDir(), 'none'), modelUrl: `${model.url}/model.jar`, hf: { schedule: '* * * * *', baseUrl: model.url } }, { logger });
    const cli = cliServices(services);
    await cli.importFiles([fixture('web-papers.jsonl')], {});
    const found = await cli.search({ query: 'transformer', mode: 'lexical' });
    assert.equal(found.mode, 'lexical');
    await cli.index({ rebuild: false });
    await cli.stats();
    assert.deepEqual(model.requests, [], 'a lexical search, an import and `index` do not load the model');
    assert.ok(!logger.events.includes('signals.schedules'), 'no schedules outside serve');
    // The model loads (here: tries to download) once something needs it.
    assert.match((await cli.modelProblem()) ?? '', /download failed/);
    assert.deepEqual(model.requests, ['/model.jar']);
  });

  it('serves: the leader runs the schedules, another worker of a cluster only serves', async () => {
    const started = async (role: ComposeOptions['role']) => {
      const logger = recordingLogger();
      const services = await compose({ digest: { schedule: 'off' }, hf: { schedule: 'off' }, github: { schedule: 'off' } }, { purpose: 'service', role, logger, mailer: memoryMailer(), embedder: null, index: 'memory', version: '9.9.9-compose' });
      const server = await cliServices(services).serve({ host: '127.0.0.1', port: 0 });
      try {
        const health = (await (await fetch(`${server.url}/healthz`)).json()) as { version: string };
        assert.equal(health.version, '9.9.9-compose');
      } finally {
        await server.stop();
      }
      return logger.events;
    };
    const alone = await started(SOLE_PROCESS);
    assert.ok(alone.includes('signals.schedules'));
    assert.ok(alone.includes('model.unavailable'), 'a process alone says that semantic search is off');
    const leader = await started(workerRoleFrom({ PAPERBOY_WORKER_INDEX: '0' }));
    assert.ok(leader.includes('signals.schedules'));
    assert.ok(!leader.includes('model.unavailable'));
    const follower = await started(workerRoleFrom({ PAPERBOY_WORKER_INDEX: '2' }));
    assert.ok(!follower.includes('signals.schedules'), 'only worker 0 schedules');
  });

  it('holds a request that arrives before the web app is composed until it is, rather than answering 503', async () => {
    const services = await compose({ digest: { schedule: 'off' }, hf: { schedule: 'off' }, github: { schedule: 'off' } }, { purpose: 'service', mailer: memoryMailer(), embedder: null, index: 'memory' });
    // A port known before listening: a request can then reach the server while its app is composed.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    let composing = () => {};
    let release = () => {};
    const webCalled = new Promise<void>((resolve) => (composing = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Services = { ...services, web: async (...args) => { composing(); await gate; return services.web(...args); } };
    const serving = startServing(slow, { host: '127.0.0.1', port });
    await webCalled; // listening, the app not composed yet
    const early = fetch(`http://127.0.0.1:${port}/healthz`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const server = await serving;
    try {
      const res = await early;
      assert.equal(res.status, 200, await res.text());
    } finally {
      await server.stop();
    }
  });

  it('reads the worker index from the environment in one place', () => {
    assert.deepEqual(workerRoleFrom({}), { clustered: false, leader: true });
    assert.deepEqual(workerRoleFrom({ PAPERBOY_WORKER_INDEX: '0' }), { clustered: true, leader: true, replacement: false });
    assert.deepEqual(workerRoleFrom({ PAPERBOY_WORKER_INDEX: '1' }), { clustered: true, leader: false, replacement: false });
    assert.deepEqual(workerRoleFrom({ PAPERBOY_WORKER_INDEX: '1', PAPERBOY_WORKER_REPLACEMENT: '1' }), { clustered: true, leader: false, replacement: true });
    // cli/commands/serve.ts sets it on the workers it forks; only worker-role.ts reads it.
    const readers = sources().filter(({ text }) => /\.PAPERBOY_WORKER_(INDEX|REPLACEMENT)\b/.test(text)).map(({ file }) => file);
    assert.deepEqual(readers, ['compose/worker-role.ts']);
  });

  it('is what the tests compose through: test/app-helpers.ts wires nothing itself', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')] });
    assert.equal(t.store, t.services.stores.papers);
    assert.equal(t.accountStore, t.services.stores.accounts);
    assert.equal((await t.app.request('/healthz')).status, 200);
    const helpers = readFileSync(join(ROOT, 'test', 'app-helpers.ts'), 'utf8');
    assert.doesNotMatch(helpers, /\bcreate(App|Catalog|DigestService|AccountService|MailQueue|SearchService|Sqlite\w+)\(/);
  });
});
