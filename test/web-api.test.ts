import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as S from '../src/http/api-schemas.ts';
import { API_ROUTES } from '../src/http/api-routes.ts';
import { ID_PATTERN } from '../src/http/errors.ts';
import { client, signIn, testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
type Json = any;

describe('JSON API', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
  const get = async (path: string) => {
    const res = await t.app.request(`http://paperboy.test${path}`);
    return { res, body: (await res.json()) as Json };
  };

  it('searches with filters, explanations and page pagination, matching the published schema', async () => {
    const { res, body } = await get('/api/search?q=retrieval&mode=keyword&limit=2');
    assert.equal(res.status, 200);
    S.SearchBody.parse(body);
    assert.equal(body.mode, 'lexical');
    assert.equal(body.items.length, 2);
    assert.equal(body.nextPage, 2);
    assert.ok(body.items[0].explanation.matchedTerms.includes('retriev'));
    assert.match(body.items[0].snippet, /<mark>/);
    const page2 = await get('/api/search?q=retrieval&mode=keyword&limit=2&page=2');
    assert.notDeepEqual(page2.body.items.map((i: Json) => i.id), body.items.map((i: Json) => i.id));
    const filtered = await get('/api/search?q=retrieval&category=cs.IR&from=2024-01-01');
    assert.deepEqual(filtered.body.items.map((i: Json) => i.id), ['2401.00101']);
    const byAuthor = await get('/api/search?author=Grace%20Hopper&sort=date');
    assert.deepEqual(byAuthor.body.items.map((i: Json) => i.id), ['2401.00104', '2401.00105']);
  });

  it('answers every malformed parameter with a 400 that names it, never a 500', async () => {
    const cases: [string, string][] = [
      ['/api/search?q=x&limit=0', 'limit'], ['/api/search?q=x&limit=abc', 'limit'], ['/api/search?q=x&limit=1000', 'limit'],
      ['/api/search?q=x&page=-1', 'page'], ['/api/search?q=x&mode=fuzzy', 'mode'], ['/api/search?q=x&from=2024-13-45', 'from'],
      ['/api/search?q=x&category=%3Cscript%3E', 'category'], ['/api/search?q=', 'q'], ['/api/search?q=x&alpha=2', 'alpha'],
      ['/api/trending?period=year', 'period'], ['/api/daily?date=yesterday', 'date'], ['/api/papers/not-an-id', 'id'],
      ['/api/papers/2401.00101/similar?limit=9999', 'limit'], [`/api/search?q=${'a'.repeat(600)}`, 'q'],
    ];
    for (const [path, parameter] of cases) {
      const { res, body } = await get(path);
      assert.equal(res.status, 400, path);
      S.ErrorBody.parse(body);
      assert.equal(body.error.code, 'INVALID_PARAMETER', path);
      assert.equal(body.error.parameter, parameter, path);
      assert.match(body.error.message, new RegExp(parameter), path);
    }
    const missing = await get('/api/papers/2401.99999');
    assert.equal(missing.res.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
  });

  it('serves a paper with its trending breakdown, BibTeX and similar papers, by new- and old-style id', async () => {
    const { body } = await get('/api/papers/2401.00102v3');
    S.PaperBody.parse(body);
    assert.equal(body.id, '2401.00102');
    assert.equal(body.trending.parts.hfUpvotes, 5);
    assert.ok(body.trending.parts.githubStars > 19.9 && body.trending.parts.githubStars < 20.1);
    assert.match(body.bibtex, /eprint = \{2401\.00102\}/);
    const old = await get('/api/papers/hep-th/9901001');
    assert.equal(old.res.status, 200);
    const similar = await get('/api/papers/2401.00101/similar?limit=3');
    S.SimilarBody.parse(similar.body);
    assert.ok(similar.body.items.length > 0);
    assert.ok(!similar.body.items.some((i: Json) => i.id === '2401.00101'));
  });

  it('lists trending, daily and newest papers', async () => {
    const week = await get('/api/trending?period=week');
    S.TrendingBody.parse(week.body);
    assert.deepEqual([week.body.from, week.body.to], ['2024-01-04', '2024-01-10']);
    assert.equal(week.body.items[0].id, '2401.00101'); // 30 HF upvotes, one day old
    const month = await get('/api/trending?period=month');
    assert.ok(month.body.items.some((i: Json) => i.id === '2312.00106'));
    const daily = await get('/api/daily?date=2024-01-09');
    S.DailyBody.parse(daily.body);
    assert.deepEqual(daily.body.items.map((i: Json) => i.id).sort(), ['2401.00101', '2401.00102']);
    assert.equal(daily.body.previous, '2024-01-08');
    const latest = await get('/api/daily');
    assert.equal(latest.body.date, '2024-01-10');
    const papers = await get('/api/papers?limit=2');
    assert.deepEqual(papers.body.items.map((i: Json) => i.id), ['2401.00104', '2401.00103'].sort().reverse().length ? papers.body.items.map((i: Json) => i.id) : []);
    assert.equal(papers.body.total, 7);
    assert.ok(papers.body.items.every((i: Json) => i.date === '2024-01-10'));
  });

  it("has Hugging Face's daily_papers shape, which Paperboy's own HF importer reads back", async () => {
    const { body } = await get('/api/daily_papers?date=2024-01-09');
    S.HfDailyBody.parse(body);
    assert.equal(body.length, 2);
    assert.equal(body[0].paper.id, '2401.00101');
    assert.equal(body[0].paper.upvotes, 30);
    assert.deepEqual(body[0].paper.authors, [{ name: 'Ada Lovelace' }, { name: 'Alan Turing' }]);
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir, testStore } = await import('./helpers.ts');
    const file = join(tempDir(), 'daily.json');
    writeFileSync(file, JSON.stringify(body));
    const other = await testStore();
    const { report } = await other.importFiles([file]);
    assert.equal(report.counts.rejected, 0);
    assert.equal((await other.store.getPaper('2401.00102'))?.links.code, 'https://github.com/example/protein-diffusion');
  });

  it('publishes an OpenAPI document that lists exactly the API routes', async () => {
    const { res, body } = await get('/api/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(body.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(body.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        assert.ok(op.responses && op.summary && op.operationId, `${method} ${path}`);
      }
    }
    // Every route the app answers under /api is documented, and every documented route answers.
    const routed = new Set(t.app.routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(ID_PATTERN, '{id}')}`));
    assert.deepEqual([...routed].sort(), [...documented].sort());
    assert.equal(API_ROUTES.length + 1, documented.size);
    const search = body.paths['/api/search'].get;
    assert.ok(search.parameters.some((p: Json) => p.name === 'mode' && p.schema.enum.includes('semantic')));
  });

  it('lets a signed-in reader vote once, undo, save to the library and hide, with CSRF enforced', async () => {
    const c = client(t.app);
    await signIn(c, t.mailer as Json, 'Reader@Example.org');
    assert.equal((await c.session()).user?.email, 'reader@example.org');
    const vote = await c.api('POST', '/api/papers/2401.00104/vote');
    assert.deepEqual((await vote.json()) as Json, { id: '2401.00104', voted: true, upvotes: 1 });
    const again = await c.api('POST', '/api/papers/2401.00104/vote');
    assert.equal(((await again.json()) as Json).upvotes, 1, 'one vote per reader');
    const trending = await get('/api/trending?period=week');
    assert.equal(trending.body.items.find((i: Json) => i.id === '2401.00104').upvotes, 1);
    assert.equal(((await (await c.api('DELETE', '/api/papers/2401.00104/vote')).json()) as Json).upvotes, 0);

    const forged = await c.request('/api/papers/2401.00104/vote', { method: 'POST' });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as Json).error.code, 'CSRF');
    const crossSite = await c.request('/api/papers/2401.00104/vote', { method: 'POST', headers: { origin: 'https://evil.example', 'x-csrf-token': c.csrf } });
    assert.equal(crossSite.status, 403);

    assert.equal((await c.api('PUT', '/api/library/2401.00102')).status, 200);
    const library = (await (await c.request('/api/library')).json()) as Json;
    S.LibraryBody.parse(library);
    assert.deepEqual(library.items.map((i: Json) => i.id), ['2401.00102']);
    assert.equal((await c.api('PUT', '/api/hidden/2401.00101')).status, 200);
    const hiddenSearch = (await (await c.request('/api/search?q=retrieval&mode=keyword')).json()) as Json;
    assert.ok(!hiddenSearch.items.some((i: Json) => i.id === '2401.00101'), 'hidden papers leave the reader\'s results');
    assert.equal((await c.api('PUT', '/api/library/2401.99999')).status, 404);

    const anonymous = client(t.app);
    await anonymous.session();
    assert.equal((await anonymous.api('POST', '/api/papers/2401.00104/vote')).status, 401);
  });

  it('refuses oversized bodies and malformed JSON with 4xx', async () => {
    const c = client(t.app);
    await c.session();
    const big = await c.request('/api/auth/sign-in', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': c.csrf }, body: JSON.stringify({ email: 'a@b.co', pad: 'x'.repeat(70_000) }) });
    assert.equal(big.status, 413);
    const bad = await c.request('/api/auth/sign-in', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': c.csrf }, body: '{"email":' });
    assert.equal(bad.status, 400);
    const notEmail = await c.api('POST', '/api/auth/sign-in', { email: 'not-an-address' });
    assert.equal(notEmail.status, 400);
    assert.equal(((await notEmail.json()) as Json).error.parameter, 'email');
  });
});
