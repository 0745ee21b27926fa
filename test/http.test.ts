import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
type Json = any;
const json = async (res: Response): Promise<Json> => res.json();
import { testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

describe('HTTP service', async () => {
  const { app } = await testApp({ fixtures: [fixture('oai-arxivraw.xml')] });

  it('answers /healthz with the paper count and a request id', async () => {
    const res = await app.request('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), { status: 'ok', version: '0.0.0-test', papers: 2 });
    assert.match(res.headers.get('x-request-id') ?? '', /^[\w-]{8,}$/);
  });

  it('/healthz reads the paper count at most every 5 s', async () => {
    const other = await testApp({ fixtures: [fixture('oai-arxivraw.xml')] });
    assert.equal((await json(await other.app.request('/healthz'))).papers, 2);
    await other.importFiles([fixture('atom.xml')]);
    other.clock.set('2024-01-10T12:00:04Z');
    assert.equal((await json(await other.app.request('/healthz'))).papers, 2, 'cached within 5 s');
    other.clock.set('2024-01-10T12:00:05Z');
    assert.equal((await json(await other.app.request('/healthz'))).papers, 4, 'read again after 5 s');
  });

  it('serves a paper by id, with or without version, new- and old-style', async () => {
    const res = await app.request('/api/papers/2401.00001v2');
    assert.equal(res.status, 200);
    const paper = await json(res);
    assert.equal(paper.title, 'Similarity search in the blink of an eye with compressed indices');
    assert.equal(paper.links.pdf, 'https://arxiv.org/pdf/2401.00001');
    assert.equal((await app.request('/api/papers/cs/9901001')).status, 200);
  });

  it('answers 400 for a malformed id and 404 for an unknown paper or route, as JSON', async () => {
    const bad = await app.request('/api/papers/not-an-id');
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).error.code, 'INVALID_PARAMETER');
    const missing = await app.request('/api/papers/2401.99999');
    assert.equal(missing.status, 404);
    assert.match((await json(missing)).error.message, /no paper 2401\.99999/);
    assert.equal((await app.request('/nowhere')).status, 404);
  });

  it('serves statistics', async () => {
    const stats = await json(await app.request('/api/stats'));
    assert.equal(stats.papers, 2);
    assert.deepEqual(stats.byCategory.map((c: { category: string }) => c.category).sort(), ['cs.AI', 'cs.DB', 'cs.IR']);
  });
});
