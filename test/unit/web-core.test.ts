import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bibtex, bibtexKey } from '../../src/core/bibtex.ts';
import { addDays, dailyWindow, isIsoDay, trendingWindow } from '../../src/core/periods.ts';
import { TokenBuckets } from '../../src/core/rate-limit.ts';
import { renderWithMath } from '../../src/http/views/math.ts';
import { safeNextPath } from '../../src/app/accounts.ts';

describe('calendar windows', () => {
  it('trending windows end today, or on the newest day with papers when the mirror is stale', () => {
    assert.deepEqual(trendingWindow('day', '2024-01-10', '2024-01-10'), { from: '2024-01-10', to: '2024-01-10' });
    assert.deepEqual(trendingWindow('week', '2024-01-10', '2024-01-10'), { from: '2024-01-04', to: '2024-01-10' });
    assert.deepEqual(trendingWindow('month', '2024-03-01', '2024-03-01'), { from: '2024-02-01', to: '2024-03-01' });
    assert.deepEqual(trendingWindow('day', '2026-11-26', '2025-05-01'), { from: '2025-05-01', to: '2025-05-01' });
    assert.deepEqual(trendingWindow('week', '2024-01-10', null), { from: '2024-01-04', to: '2024-01-10' });
  });

  it('daily views: a day, its ISO week (Monday to Sunday) and its month, with neighbours across year ends', () => {
    assert.deepEqual(dailyWindow('2024-01-01', 'day'), { view: 'day', date: '2024-01-01', from: '2024-01-01', to: '2024-01-01', previous: '2023-12-31', next: '2024-01-02' });
    const week = dailyWindow('2024-01-10', 'week'); // a Wednesday
    assert.deepEqual([week.from, week.to, week.previous, week.next], ['2024-01-08', '2024-01-14', '2024-01-01', '2024-01-15']);
    assert.deepEqual([dailyWindow('2024-01-14', 'week').from, dailyWindow('2024-01-15', 'week').from], ['2024-01-08', '2024-01-15']);
    const feb = dailyWindow('2024-02-15', 'month');
    assert.deepEqual([feb.from, feb.to, feb.previous, feb.next], ['2024-02-01', '2024-02-29', '2024-01-01', '2024-03-01']);
    const dec = dailyWindow('2023-12-31', 'month');
    assert.deepEqual([dec.from, dec.to, dec.previous, dec.next], ['2023-12-01', '2023-12-31', '2023-11-01', '2024-01-01']);
  });

  it('accepts only real calendar days', () => {
    assert.ok(isIsoDay('2024-02-29'));
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-1', 'yesterday', '2024-01-01T00:00:00Z']) assert.ok(!isIsoDay(bad), bad);
    assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  });
});

describe('BibTeX', () => {
  it('gives an arXiv-style @misc entry with a stable key', () => {
    const entry = bibtex({ id: '2401.00101', title: 'Sparse {BM25} retrieval', authors: ['Ada Lovelace', 'Kurt Gödel'], date: '2024-01-09', primaryCategory: 'cs.IR', url: 'https://arxiv.org/abs/2401.00101' });
    assert.equal(entry, [
      '@misc{lovelace2024sparse,',
      '  title = {Sparse {BM25} retrieval},',
      '  author = {Ada Lovelace and Kurt Gödel},',
      '  year = {2024},',
      '  eprint = {2401.00101},',
      '  archivePrefix = {arXiv},',
      '  primaryClass = {cs.IR},',
      '  url = {https://arxiv.org/abs/2401.00101}',
      '}',
    ].join('\n'));
    assert.equal(bibtexKey({ id: 'x', title: 'On Gödel', authors: ['Kurt Gödel'], date: null, primaryCategory: null }), 'godelpaper');
  });

  it('escapes unbalanced braces so the entry still parses', () => {
    const entry = bibtex({ id: 'hep-th/9901001', title: 'A } broken { title', authors: [], date: '1999-01-04', primaryCategory: 'hep-th' });
    assert.match(entry, /title = \{A \\\} broken \\\{ title\}/);
    assert.match(entry, /eprint = \{hep-th\/9901001\}/);
    assert.doesNotMatch(entry, /author =/, 'no invented author');
  });
});

describe('token buckets', () => {
  it('allow a burst, then one request per refill interval, per key', () => {
    const buckets = new TokenBuckets({ capacity: 2, perMinute: 60 });
    assert.ok(buckets.take('a', 0).ok);
    assert.ok(buckets.take('a', 0).ok);
    const refused = buckets.take('a', 0);
    assert.deepEqual(refused, { ok: false, retryAfterMs: 1000 });
    assert.ok(buckets.take('b', 0).ok, 'another client has its own bucket');
    assert.ok(!buckets.take('a', 500).ok);
    assert.ok(buckets.take('a', 1500).ok);
  });

  it('stay bounded in memory by dropping idle buckets first', () => {
    const buckets = new TokenBuckets({ capacity: 1, perMinute: 60 }, 100);
    for (let i = 0; i < 1000; i++) buckets.take(`client-${i}`, i * 10);
    assert.ok(buckets.size <= 100, `${buckets.size} buckets`);
  });
});

describe('LaTeX rendering', () => {
  it('renders inline and display math as MathML and escapes the rest', () => {
    const html = renderWithMath('Cost $O(n \\log n)$ & <b>bold</b> and $$E = mc^2$$.');
    assert.match(html, /^Cost <span class="katex"><math/);
    assert.ok(html.includes('&amp; &lt;b&gt;bold&lt;/b&gt;'));
    assert.match(html, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML" display="block">/);
  });

  it('leaves unpaired dollars, broken TeX and dangerous commands as escaped text', () => {
    assert.equal(renderWithMath('a lone $ sign & more'), 'a lone $ sign &amp; more', 'an unpaired $ stays text');
    const bad = renderWithMath('$\\frac{1}{$ <script>');
    assert.ok(!bad.includes('<script>'));
    const link = renderWithMath('$\\href{javascript:alert(1)}{x}$');
    assert.ok(!link.includes('href='), link);
  });

  it('only follows local paths after sign-in', () => {
    assert.equal(safeNextPath('/papers/2401.00101?x=1'), '/papers/2401.00101?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', undefined]) assert.equal(safeNextPath(bad), '/');
  });
});
