import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readiness } from '../src/compose/readiness.ts';
import { warmUp } from '../src/compose/warm-up.ts';
import { testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('readiness (GET /readyz)', () => {
  it('is ready once closed and every part has settled, a failed part included, naming what it waits for', async () => {
    let now = 1000;
    const readiness = new Readiness(() => now);
    const index = deferred();
    const model = deferred();
    readiness.wait('index', index.promise);
    readiness.wait('model', model.promise);
    assert.deepEqual(readiness.state(), { ready: false, waiting: ['start-up', 'index', 'model'], readyAfterMs: null });
    index.resolve();
    await tick();
    assert.deepEqual(readiness.state().waiting, ['start-up', 'model']);
    model.reject(new Error('no model'));
    await tick();
    assert.equal(readiness.state().ready, false, 'not before close(): more parts may come');
    now = 3500;
    readiness.close();
    assert.deepEqual(readiness.state(), { ready: true, waiting: [], readyAfterMs: 2500 });
    await readiness.whenReady;
  });

  it('answers 503 with the parts it waits for, then 200; without a tracker always 200', async () => {
    const t = await testApp({ fixtures: [fixture('atom.xml')] });
    assert.equal((await t.app.request('/readyz')).status, 200);
    let state = { ready: false, waiting: ['index', 'warm-up'] };
    const { app } = await t.services.web('http://paperboy.test', t.mailer, () => state);
    const starting = await app.request('/readyz');
    assert.equal(starting.status, 503);
    assert.equal(starting.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await starting.json(), { status: 'starting', waiting: ['index', 'warm-up'] });
    state = { ready: true, waiting: [] };
    const ready = await app.request('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    // Ready means the database answers too: a fresh app (no cached count) whose store fails.
    const { app: cut } = await t.services.web('http://paperboy.test', t.mailer, () => state);
    t.services.stores.papers.countPapers = async () => { throw new Error('connection refused'); };
    const down = await cut.request('/readyz');
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { status: 'unavailable', waiting: ['database'] });
  });

  it('warm-up runs the search paths in-process, never rate limited, and leaves the limits to the clients', async () => {
    const t = await testApp({ fixtures: [fixture('atom.xml')], rateLimits: { search: { capacity: 2, perMinute: 1 } } });
    const result = await warmUp(t.app, { hybrid: false });
    assert.ok(result.requests >= 40, `${result.requests} requests`);
    assert.equal(result.failed, 0);
    // The clients' bucket is untouched by those requests: two searches pass, the third is limited.
    const env = { incoming: { socket: { remoteAddress: '203.0.113.9' } } };
    assert.equal((await t.app.request('/api/search?q=attention', undefined, env)).status, 200);
    assert.equal((await t.app.request('/api/search?q=attention', undefined, env)).status, 200);
    assert.equal((await t.app.request('/api/search?q=attention', undefined, env)).status, 429);
    // A path that fails is counted, never thrown.
    const failing = await warmUp({ request: () => new Response('boom', { status: 500 }) }, { hybrid: true, rounds: 1 });
    assert.equal(failing.failed, failing.requests);
    assert.match(failing.firstFailure ?? '', /^\/api\/search\?q=graph%20neural%20networks&mode=keyword: HTTP 500$/);
    // Stopping the service stops the warm-up.
    let calls = 0;
    const stopped = await warmUp({ request: () => (calls++, new Response('ok')) }, { hybrid: true, stopped: () => calls >= 3 });
    assert.equal(stopped.requests, 3);
  });
});
