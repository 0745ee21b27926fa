import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { client, signIn, testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
type Json = any;

/** The text of the first element that starts with `open` (no nesting of the same tag inside). */
const element = (html: string, open: string, close: string) => {
  const start = html.indexOf(open);
  assert.ok(start >= 0, `no ${open}`);
  return html.slice(start, html.indexOf(close, start) + close.length);
};
/** The HTML of the card of one paper in a list page. */
const card = (html: string, id: string) => {
  const start = html.indexOf(`<li class="paper" id="p-${id}"`);
  assert.ok(start >= 0, `no card for ${id}`);
  return html.slice(start, html.indexOf('</li>', html.indexOf('<div class="actions">', start)) + 5);
};
/** `html` without its MathML (what a reader sees as text around formulas). */
const withoutMath = (html: string) => html.replace(/<math[\s\S]*?<\/math>/g, '');

describe('math in pages', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl'), fixture('web-math.jsonl')], rateLimits: null });
  const page = async (path: string) => (await t.app.request(`http://paperboy.test${path}`)).text();

  it('renders each formula on its own: an unknown macro costs only its formula, shown as TeX', async () => {
    const html = await page('/papers/2401.00201');
    const abstract = element(html, '<div class="abstract">', '</div>');
    // \bW is the usual bold-matrix macro: guessed as \mathbf{W}; the other formulas render too.
    assert.match(abstract, /<annotation encoding="application\/x-tex">\{\\bW_q\}\^\{\\top\} \\bW_k<\/annotation>/);
    assert.match(abstract, /<msub><mi>𝐖<\/mi><mi>k<\/mi><\/msub>/, 'bold as Unicode bold letters, which MathML Core shows');
    assert.match(abstract, /<annotation encoding="application\/x-tex">\\sigma_\{\\max\}<\/annotation>/);
    assert.match(abstract, /<code class="tex"[^>]*>x\^2 \+ \\foo\{y\}<\/code>/, 'the formula with an unknown macro stays readable TeX');
    assert.equal((abstract.match(/<math /g) ?? []).length, 3);
    assert.ok(!withoutMath(abstract).includes('$'), 'no raw TeX delimiters');
  });

  it('turns text-mode LaTeX into text and markup', async () => {
    const abstract = withoutMath(element(await page('/papers/2401.00201'), '<div class="abstract">', '</div>'));
    assert.match(abstract, /<em>spectral energy concentration<\/em>/);
    assert.match(abstract, /<code>code<\/code> with <strong>bold<\/strong> and <em>emphasis<\/em>/);
    assert.match(abstract, /We fix it, i\.e\., we bound/);
    assert.match(abstract, /as in&nbsp;\[vaswani2017, su2021\]: 5% fewer steps, R&amp;D “quoted”/);
    assert.doesNotMatch(abstract, /\\(textit|texttt|textbf|emph|ie|citep|%|&)/);
  });

  it('renders math in titles: page heading, cards, and in search snippets without marks inside formulas', async () => {
    assert.match(await page('/papers/2401.00202'), /<h1>Learning <span class="katex"><math/);
    const daily = await page('/daily?date=2024-01-10');
    assert.match(card(daily, '2401.00202'), /<h2 class="title"><a href="\/papers\/2401.00202">Learning <span class="katex"><math[^]*?\\alpha<\/annotation>/);
    const search = await page('/search?q=robust+estimators&mode=keyword');
    const snippet = element(card(search, '2401.00202'), '<span class="line">', '</span></summary>');
    assert.match(snippet, /<mark>robust<\/mark> <span class="katex"><math[^]*?\\alpha<\/annotation>[^]*?<\/math><\/span>-divergence <mark>estimators<\/mark>/);
    for (const formula of snippet.match(/<math[\s\S]*?<\/math>/g) ?? []) assert.doesNotMatch(formula, /<mark>/);
  });

  it('puts formulas in feeds as MathML inside the escaped HTML content', async () => {
    const atom = await page('/feeds/daily.atom?date=2024-01-10');
    assert.match(atom, /<summary type="html"><!\[CDATA\[The crash is termed <em>spectral energy concentration<\/em> of <span class="katex"><math xmlns=/);
    assert.match(atom, /<title type="html"><!\[CDATA\[Learning α-divergences for retrieval\]\]><\/title>/, 'simple formulas in titles as Unicode text');
    const json = (await (await t.app.request('http://paperboy.test/feeds/daily.json?date=2024-01-10')).json()) as Json;
    assert.ok(json.items.some((i: Json) => String(i.content_html).includes('<math ')));
    assert.ok(json.items.some((i: Json) => i.title === 'Learning α-divergences for retrieval'));
  });
});

describe('cards and search results as readers see them', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl'), fixture('web-math.jsonl')], rateLimits: null });
  const page = async (path: string) => (await t.app.request(`http://paperboy.test${path}`)).text();

  it('show a one-line summary with the rest of the abstract behind a toggle, code with stars, upvotes, date and categories', async () => {
    const daily = await page('/daily?date=2024-01-10');
    const ai = card(daily, '2401.00202');
    assert.match(ai, /<details class="gist"><summary><span class="tag"[^>]*>AI summary<\/span><span class="line">Alpha-divergences make dense retrievers robust.<\/span><\/summary><div class="more">We study robust/);
    assert.match(ai, /<a class="fact code" href="https:\/\/github.com\/example\/alpha-div" rel="nofollow noopener">Code · ★ 1.2K<span class="visually-hidden"> GitHub stars<\/span><\/a>/);
    assert.match(ai, /HF ▲ 12/);
    assert.match(ai, /<time datetime="2024-01-10">2024-01-10<\/time>/);
    assert.match(ai, /<a class="cat" href="\/search\?category=cs.IR&amp;sort=date">cs.IR<\/a><a class="cat" href="\/search\?category=stat.ML&amp;sort=date">stat.ML<\/a>/);
    assert.match(ai, /<span class="count">0<\/span>/);
    const first = card(await page('/daily?date=2024-01-09'), '2401.00101');
    assert.match(first, /<span class="line">We study sparse retrieval for question answering.<\/span><\/summary><div class="more">Learned term weights beat BM25/);
    assert.match(card(await page('/daily?date=2024-01-09'), '2401.00203'), /<p class="gist">Short, e.g. this one, ends here.<\/p>/, 'one sentence: nothing to expand');
  });

  it('show the words the reader typed, not their stems, and keep scores behind the "why" toggle', async () => {
    const html = await page('/search?q=Dense+sparse+retrieval&mode=keyword');
    const hit = card(html, '2401.00101');
    assert.match(hit, /<details class="why"><summary>Matches: <b>sparse<\/b>, <b>retrieval<\/b><\/summary><p>index terms: spars, retriev · BM25 \d/);
    const visible = hit.replace(/<\/summary><p>[^<]*<\/p><\/details>/, '');
    assert.doesNotMatch(visible, /retriev\b|spars\b|BM25 \d/, 'no stems or scores outside the toggle');
    assert.match(card(html, '2312.00106'), /Matches: <b>Dense<\/b>, <b>retrieval<\/b>/, 'as typed, capital included');
  });

  it('has one query box on phones (the page marks itself) and a filters toggle that needs no script', async () => {
    const html = await page('/search?q=retrieval');
    assert.match(html, /<body class="search-page">/);
    assert.match(html, /<input type="checkbox" id="filters-toggle" class="filters-toggle"\/?><label for="filters-toggle" class="filters-toggle-label">Filters<\/label><fieldset class="filters">/);
    assert.match(await page('/search?q=retrieval&category=cs.IR&sort=date'), />Filters \(2 set\)</);
  });

  it('keeps headings in order: h1, then h2 cards (h3 under the paper page\'s "Similar papers")', async () => {
    for (const path of ['/', '/daily?date=2024-01-10', '/search?q=retrieval', '/papers/2401.00101', '/signin']) {
      const levels = [...(await page(path)).matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));
      assert.equal(levels[0], 1, path);
      levels.forEach((level, i) => assert.ok(i === 0 || level <= levels[i - 1]! + 1, `${path}: h${levels[i - 1]} then h${level}`));
    }
  });

  it('sends a vote from a list without script back to the same card', async () => {
    const reader = client(t.app);
    await signIn(reader, t.mailer as Json, 'cards@example.org');
    const html = await (await reader.request('/daily?date=2024-01-10&page=1')).text();
    const form = /<form class="vote-form" method="post" action="\/papers\/2401.00202\/vote"[^>]*>[\s\S]*?name="back" value="([^"]*)"/.exec(card(html, '2401.00202'));
    assert.equal(form?.[1]?.replace(/&amp;/g, '&'), '/daily?date=2024-01-10&page=1#p-2401.00202');
    const vote = await reader.form('/papers/2401.00202/vote', { on: '1', back: form![1]!.replace(/&amp;/g, '&') });
    assert.equal(vote.headers.get('location'), '/daily?date=2024-01-10&page=1#p-2401.00202');
    const signedOut = card(await page('/daily?date=2024-01-10'), '2401.00202');
    assert.match(signedOut, /href="\/signin\?next=%2Fdaily%3Fdate%3D2024-01-10%23p-2401.00202"/);
  });
});

describe('data as of', () => {
  it('is said on list pages and in the API when the newest paper is more than two days old', async () => {
    const stale = await testApp({ fixtures: [fixture('web-papers.jsonl')], now: '2024-01-20T12:00:00Z' });
    for (const path of ['/', '/daily', '/search?q=retrieval']) {
      assert.match(await (await stale.app.request(`http://paperboy.test${path}`)).text(), /Data as of 2024-01-10: no newer papers have been imported yet/, path);
    }
    for (const path of ['/api/trending', '/api/daily', '/api/papers', '/api/search?q=retrieval']) {
      assert.equal(((await (await stale.app.request(`http://paperboy.test${path}`)).json()) as Json).dataAsOf, '2024-01-10', path);
    }
    const fresh = await testApp({ fixtures: [fixture('web-papers.jsonl')], now: '2024-01-12T12:00:00Z' });
    assert.doesNotMatch(await (await fresh.app.request('http://paperboy.test/')).text(), /Data as of/);
    assert.equal(((await (await fresh.app.request('http://paperboy.test/api/trending')).json()) as Json).dataAsOf, null);
  });
});
