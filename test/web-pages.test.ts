import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { client, signIn, testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
type Json = any;

describe('web pages', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
  const page = async (path: string) => {
    const res = await t.app.request(`http://paperboy.test${path}`);
    return { res, html: await res.text() };
  };

  it('render trending, daily, search and paper pages as HTML with a strict CSP', async () => {
    for (const path of ['/', '/?period=month', '/daily', '/daily?date=2024-01-09&view=week', '/daily?date=2024-01-09&view=month', '/search?q=retrieval', '/papers/2401.00101', '/papers/hep-th/9901001', '/signin']) {
      const { res, html } = await page(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(html, /^<!doctype html><html lang="en">/, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.doesNotMatch(html, /<script>|style="|onclick=/, `${path}: no inline script or style`);
    }
  });

  it('escapes titles, abstracts and authors that contain HTML', async () => {
    for (const path of ['/papers/2401.00103', '/daily?date=2024-01-10', '/search?q=onerror&mode=keyword', '/']) {
      const { html } = await page(path);
      assert.ok(!html.includes('<img src=x'), path);
      assert.ok(!html.includes('<script>alert'), path);
      assert.ok(!html.includes('<b>Evil</b>'), path);
    }
    const { html } = await page('/papers/2401.00103');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('a &amp; b &lt; c'));
  });

  it('renders LaTeX in abstracts as MathML on the server', async () => {
    const { html } = await page('/papers/2401.00102');
    assert.match(html, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML"/);
    assert.match(html, /<annotation encoding="application\/x-tex">\\mathrm\{RMSD\}/);
    const abstract = html.slice(html.indexOf('<div class="abstract">'), html.indexOf('</div>', html.indexOf('<div class="abstract">')));
    assert.ok(abstract.length > 0 && !abstract.includes('$'), 'no raw TeX delimiters left in the abstract');
  });

  it('shows the paper page: links, authors linking to searches, why trending, BibTeX, similar papers', async () => {
    const { html } = await page('/papers/2401.00102');
    assert.ok(html.includes('href="https://arxiv.org/abs/2401.00102"'));
    assert.ok(html.includes('href="https://arxiv.org/pdf/2401.00102"'));
    assert.ok(html.includes('href="https://github.com/example/protein-diffusion"'));
    assert.ok(html.includes('href="/search?author=Rosalind%20Franklin&amp;sort=date"'));
    assert.match(html, /Why trending/);
    assert.match(html, /GitHub stars.*1023/s);
    assert.match(html, /@misc\{franklin2024diffusion,/);
    assert.match(html, /Similar papers/);
    assert.equal((await page('/papers/2401.99999')).res.status, 404);
    assert.equal((await page('/papers/bad id')).res.status, 400);
  });

  it('search page has filters, mode switch, a month chart, a feed link and the digest box', async () => {
    const { html } = await page('/search?q=retrieval&mode=keyword&sort=date');
    assert.match(html, /<select name="mode">/);
    assert.match(html, /<option value="lexical" selected="">keyword<\/option>/);
    assert.match(html, /<svg role="img" aria-label="Matching papers per month: 2023-12: 1, 2024-01: 2"/);
    assert.match(html, /href="\/feeds\/search.atom\?q=retrieval&amp;mode=lexical&amp;sort=date"/);
    assert.match(html, /Get trending papers in your email inbox once a day!/);
    assert.match(html, /href="\/subscribe"/);
    const bad = await page('/search?q=x&from=2024-02-31');
    assert.equal(bad.res.status, 400);
    assert.match(bad.html, /parameter from: must be a date YYYY-MM-DD/);
  });

  it('says how to import papers when the database is empty', async () => {
    const empty = await testApp();
    const res = await empty.app.request('http://paperboy.test/');
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /No papers yet/);
    assert.match(html, /paperboy --data \S+ import/, 'the commands name the data directory, as under serve');
  });

  it('works without JavaScript: sign in by emailed link, vote, save, hide and sign out with plain forms', async () => {
    const c = client(t.app);
    await signIn(c, t.mailer as Json, 'forms@example.org');
    const vote = await c.form('/papers/2401.00101/vote', { on: '1', back: '/papers/2401.00101' });
    assert.equal(vote.status, 303);
    assert.equal(vote.headers.get('location'), '/papers/2401.00101');
    const paper = await (await c.request('/papers/2401.00101')).text();
    assert.match(paper, /aria-pressed="true"><span class="visually-hidden action">Remove upvote: <\/span><span aria-hidden="true">▲<\/span> <span class="count">1<\/span>/);
    assert.equal((await c.form('/papers/2401.00101/save', { on: '1', back: '//evil.example/' })).headers.get('location'), '/', 'no open redirect');
    assert.match(await (await c.request('/library')).text(), /Sparse retrieval with learned term weights/);
    await c.form('/papers/2401.00104/hide', { on: '1' });
    assert.ok(!(await (await c.request('/daily?date=2024-01-10')).text()).includes('Retrieval augmented generation at scale'));
    const out = await c.form('/signout', {});
    assert.equal(out.status, 303);
    assert.equal((await c.session()).user, null);
    assert.equal((await c.request('/library')).status, 303);
  });

  it('sign-in links work once, expire, and the answer never reveals whether an address is known', async () => {
    const c = client(t.app);
    await c.session();
    const mails = t.mailer as Json;
    const first = await c.form('/signin', { email: 'once@example.org' });
    const text = await first.text();
    assert.match(text, /If the address can receive mail/);
    const token = /token=([\w-]+)/.exec(mails.sent.at(-1).text)![1]!;
    assert.equal((await c.request(`/auth/verify?token=${token}`)).status, 200, 'opening the link does not use it');
    assert.equal((await c.form('/auth/verify', { token })).status, 303);
    const again = client(t.app);
    await again.session();
    assert.equal((await again.form('/auth/verify', { token })).status, 400, 'single use');
    // Expired: 21 minutes later.
    await c.form('/signin', { email: 'late@example.org' });
    const lateToken = /token=([\w-]+)/.exec(mails.sent.at(-1).text)![1]!;
    t.clock.set(new Date(t.clock.now() + 21 * 60_000).toISOString());
    assert.equal((await c.form('/auth/verify', { token: lateToken })).status, 400);
    // Per-address limit: after 5 links in an hour no more mail, same answer.
    const sentBefore = mails.sent.length;
    for (let i = 0; i < 7; i++) assert.match(await (await c.form('/signin', { email: 'flood@example.org' })).text(), /If the address can receive mail/);
    assert.equal(mails.sent.length - sentBefore, 5);
    const rows = await t.sql<{ token_hash: string }>('SELECT token_hash FROM sign_in_links');
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash) && r.token_hash !== token), 'only hashes are stored');
  });

  it('signs out everywhere: every session of the reader ends', async () => {
    const laptop = client(t.app);
    const phone = client(t.app);
    await signIn(laptop, t.mailer as Json, 'everywhere@example.org');
    await signIn(phone, t.mailer as Json, 'everywhere@example.org');
    const res = await laptop.form('/signout/everywhere', {});
    assert.match(await res.text(), /2 sessions ended/);
    assert.equal((await phone.session()).user, null);
  });

  it('session cookies are HttpOnly, SameSite and Secure behind TLS', async () => {
    const c = client(t.app);
    await c.session();
    await c.form('/signin', { email: 'cookie@example.org' });
    const token = /token=([\w-]+)/.exec((t.mailer as Json).sent.at(-1).text)![1]!;
    const res = await t.app.request('https://paperboy.test/auth/verify', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ _csrf: c.csrf, token }).toString(),
    });
    const cookie = res.headers.getSetCookie().find((l) => l.startsWith('pb_session='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Secure/);
  });

  it('serves valid Atom, RSS 2.0 and JSON Feed for trending, daily and search', async () => {
    for (const path of ['/feeds/trending', '/feeds/daily', '/feeds/search']) {
      const query = path.endsWith('search') ? '?q=retrieval' : path.endsWith('daily') ? '?date=2024-01-09' : '?period=month';
      for (const format of ['atom', 'rss'] as const) {
        const { res, html } = await page(`${path}.${format}${query}`);
        assert.equal(res.status, 200, `${path}.${format}`);
        const feed = parseFeed(html);
        assert.equal(feed.meta.type, format === 'atom' ? 'atom' : 'rss');
        assert.ok(feed.items.length > 0, `${path}.${format} has items`);
        for (const item of feed.items) {
          assert.match(item.url ?? '', /^http:\/\/paperboy\.test\/papers\//);
          assert.ok(item.title);
        }
      }
      const json = (await (await t.app.request(`http://paperboy.test${path}.json${query}`)).json()) as Json;
      assert.match(json.version, /^https:\/\/jsonfeed\.org\/version\/1(\.1)?$/);
      assert.ok(json.title && Array.isArray(json.items) && json.items.every((i: Json) => typeof i.id === 'string' && (i.content_html || i.content_text || i.summary !== undefined)));
    }
    for (const format of ['atom', 'rss']) {
      const { html } = await page(`/feeds/search.${format}?q=onerror`);
      assert.ok(!html.includes('<img src=x') && !html.includes('<script>'), `${format} text is escaped`);
      const item = parseFeed(html).items[0]!;
      assert.equal(item.title, '<img src=x onerror=alert(1)>', 'and reads back as the original text');
    }
    const jsonFeed = (await (await t.app.request('http://paperboy.test/feeds/search.json?q=onerror')).json()) as Json;
    assert.equal(jsonFeed.items[0].title, '<img src=x onerror=alert(1)>', 'JSON Feed titles are plain text');
    assert.ok(!jsonFeed.items[0].content_html.includes('<script>'), 'content_html is escaped');
    assert.equal((await page('/feeds/nothing.xml')).res.status, 404);
    assert.equal((await page('/feeds/search.rss')).res.status, 400);
  });
});

describe('rate limits', () => {
  it('answer 429 with Retry-After when a client searches or signs in too often', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: { search: { capacity: 3, perMinute: 60 }, signIn: { capacity: 2, perMinute: 1 }, votes: { capacity: 5, perMinute: 60 } } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.app.request('http://paperboy.test/api/search?q=retrieval')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await t.app.request('http://paperboy.test/api/search?q=retrieval');
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(((await limited.json()) as Json).error.code, 'RATE_LIMITED');
    t.clock.set(new Date(t.clock.now() + 2000).toISOString());
    assert.equal((await t.app.request('http://paperboy.test/search?q=retrieval')).status, 200, 'tokens refill with time');
    const c = client(t.app);
    await c.session();
    const signIns = [];
    for (let i = 0; i < 3; i++) signIns.push((await c.form('/signin', { email: `x${i}@example.org` })).status);
    assert.deepEqual(signIns, [200, 200, 429]);
  });
});
