import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import escapeHtml from 'escape-html';
import { analyze, eachTerm } from '../../src/core/search/analyzer.ts';
import { LexicalIndex } from '../../src/core/search/lexical-index.ts';
import { snippet } from '../../src/core/search/snippet.ts';
import { ExactVectorIndex } from '../../src/core/search/vector-index.ts';
import { fixture } from '../helpers.ts';

const simple = () => new LexicalIndex({ fields: [{ name: 'title', weight: 2, b: 0.5 }, { name: 'abstract', weight: 1, b: 0.75 }], k1: 1.2, analyze: (text, emit) => text.split(/\s+/).filter(Boolean).forEach((w) => emit(w)) });

describe('the BM25F index', () => {
  it('scores exactly by the BM25F formula', () => {
    const index = simple();
    index.add(1, { title: 'vector search', abstract: 'fast vector search with codes' });
    index.add(2, { title: 'graph', abstract: 'graph neural networks' });
    index.add(3, { title: 'codes', abstract: 'error correcting codes and more codes' });
    const [hit] = index.search({ should: [{ term: 'vector' }] }, { limit: 10 });
    // N = 3, df = 1: idf = ln(1 + 2.5 / 1.5). avg title = 4/3, avg abstract = 14/3.
    const idf = Math.log(1 + 2.5 / 1.5);
    const tf = (2 * 1) / (1 - 0.5 + (0.5 * 2) / (4 / 3)) + (1 * 1) / (1 - 0.75 + (0.75 * 5) / (14 / 3));
    assert.equal(hit?.docId, 1);
    assert.ok(Math.abs(hit!.score - (idf * tf) / (1.2 + tf)) < 1e-5, `${hit!.score}`);
  });

  it('restricts clauses to fields, requires must groups and drops mustNot', () => {
    const index = simple();
    index.add(1, { title: 'codes', abstract: 'vector' });
    index.add(2, { title: 'vector', abstract: 'codes' });
    assert.deepEqual(index.search({ should: [{ term: 'vector', fields: ['title'] }] }, { limit: 10 }).map((h) => h.docId), [2]);
    assert.deepEqual(index.search({ should: [{ term: 'codes' }], must: [[{ term: 'vector', fields: ['abstract'] }]] }, { limit: 10 }).map((h) => h.docId), [1]);
    assert.deepEqual(index.search({ should: [{ term: 'codes' }], mustNot: [{ term: 'vector', fields: ['title'] }] }, { limit: 10 }).map((h) => h.docId), [1]);
    assert.deepEqual(index.search({ should: [{ term: 'codes' }] }, { limit: 10, filter: (id) => id !== 1 }).map((h) => h.docId), [2]);
  });

  it('behaves after add-then-remove exactly as if the document was never added', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const doc = () => Array.from({ length: 3 + Math.floor(rand() * 8) }, () => words[Math.floor(rand() * words.length)]).join(' ');
    const docs = Array.from({ length: 30 }, () => ({ title: doc(), abstract: doc() }));
    const extra = Array.from({ length: 10 }, () => ({ title: doc(), abstract: doc() }));
    const a = simple();
    const b = simple();
    docs.forEach((d, i) => a.add(i, d));
    extra.forEach((d, i) => a.add(100 + i, d));
    extra.forEach((_, i) => a.remove(100 + i));
    a.add(5, docs[5]!); // replacing a document with itself changes nothing either
    docs.forEach((d, i) => b.add(i, d));
    for (const term of words) {
      const q = { should: [{ term }, { term: 'beta' }] };
      const ha = a.search(q, { limit: 50 });
      const hb = b.search(q, { limit: 50 });
      assert.deepEqual(ha.map((h) => h.docId), hb.map((h) => h.docId), term);
      ha.forEach((h, i) => assert.ok(Math.abs(h.score - hb[i]!.score) < 1e-5));
    }
    assert.equal(a.size, 30);
  });
});

describe('MaxScore pruning', () => {
  it('returns exactly the top k of full evaluation, with and without filters', () => {
    let seed = 99;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vocab = Array.from({ length: 300 }, (_, i) => `t${i}`);
    const zipf = () => vocab[Math.min(vocab.length - 1, Math.floor(1 / (rand() + 0.003)) - 1)]!;
    const text = (n: number) => Array.from({ length: n }, zipf).join(' ');
    const index = simple();
    for (let i = 0; i < 3000; i++) index.add(i, { title: text(6), abstract: text(40) });
    for (let i = 0; i < 100; i += 7) index.remove(i);
    for (let q = 0; q < 200; q++) {
      const should = Array.from({ length: 1 + (q % 5) }, () => ({ term: zipf() }));
      const filter = q % 3 === 0 ? (id: number) => id % 5 !== 0 : undefined;
      const pruned = index.search({ should }, { limit: 10, ...(filter ? { filter } : {}) });
      // A mustNot clause on an absent term changes nothing but turns pruning off.
      const full = index.search({ should, mustNot: [{ term: 'absent' }] }, { limit: 15, ...(filter ? { filter } : {}) });
      // Same scores rank by rank; the same documents up to float32 summation order among near-ties.
      assert.equal(pruned.length, Math.min(10, full.length));
      pruned.forEach((h, i) => assert.ok(Math.abs(h.score - full[i]!.score) < 1e-4, `query ${q} rank ${i}`));
      const fullScore = new Map(full.map((h) => [h.docId, h.score]));
      for (const h of pruned) assert.ok(Math.abs((fullScore.get(h.docId) ?? -1) - h.score) < 1e-4, `query ${q}: doc ${h.docId}`);
    }
  });
});

describe('the exact vector index', () => {
  it('finds the nearest by dot product, survives removal, and breaks ties by id', () => {
    const index = new ExactVectorIndex(2);
    const unit = (deg: number) => new Float32Array([Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)]);
    [0, 10, 20, 90, 180].forEach((deg, i) => index.set(i + 1, unit(deg)));
    index.set(6, unit(10));
    assert.deepEqual(index.search(unit(12), 3).map((h) => h.docId), [2, 6, 3]);
    index.remove(2);
    assert.deepEqual(index.search(unit(12), 2).map((h) => h.docId), [6, 3]);
    assert.deepEqual(index.search(unit(12), 2, (id) => id !== 6).map((h) => h.docId), [3, 1]);
    assert.equal(index.size, 5);
    assert.throws(() => index.set(9, new Float32Array(3)), /3 dims, expected 2/);
  });
});

describe('snippets', () => {
  it('marks matched words by their analysed form and escapes everything else', () => {
    const text = 'We study <script>alert(1)</script> & attacks. Transformers retrieve compressed indices quickly for nearest neighbours.';
    const html = snippet(text, new Set(['transform', 'compress']), { words: 8 });
    assert.ok(!html.includes('<script>'), html);
    assert.match(html, /<mark>Transformers<\/mark> retrieve <mark>compressed<\/mark>/);
    assert.equal(snippet('a < b', new Set()), 'a &lt; b');
  });

  // The straightforward algorithm (split on whitespace, analyse every word): the fast version,
  // which finds candidate words by their offsets, must agree with it everywhere.
  const reference = (text: string, terms: ReadonlySet<string>, size = 32) => {
    const words = text.split(/\s+/).filter(Boolean);
    const hit = words.map((word) => {
      const out: string[] = [];
      eachTerm(word, (term) => out.push(term));
      return out.some((term) => terms.has(term));
    });
    let best = 0;
    let bestCount = -1;
    let count = 0;
    for (let i = 0; i < words.length; i++) {
      if (hit[i]) count++;
      if (i >= size && hit[i - size]) count--;
      if (count > bestCount) {
        bestCount = count;
        best = Math.max(0, i - size + 1);
      }
    }
    const firstHit = hit.indexOf(true, best);
    const start = firstHit === -1 ? 0 : Math.max(0, Math.min(best, firstHit - 4));
    const end = Math.min(words.length, start + size);
    const body = words.slice(start, end).map((w, i) => (hit[start + i] ? `<mark>${escapeHtml(w)}</mark>` : escapeHtml(w))).join(' ');
    return `${start > 0 ? '… ' : ''}${body}${end < words.length ? ' …' : ''}`;
  };

  it('agrees with analysing every word, on awkward text', () => {
    const cases: [string, string][] = [
      ['Schrödinger equations and Schrodinger bridges; the Schrödinger–Föllmer sampler', 'schrodinger follmer'],
      ['İSTANBUL İstanbul istanbul: a city whose capital İ grows when lower-cased, then Transformers', 'istanbul transformer'],
      ['  leading and trailing\u00a0no-break\u2003em space\u3000ideographic  transformers\t(transformers),\n"Transformers"  ', 'transformer space'],
      ['GPT-4 and k-NN beat GPT-3.5; gpt4 k-nn $\\mathbb{R}^d$ <b>bold</b> & co', 'gpt-4 knn bold'],
      ['', 'anything'],
      ['word', ''],
    ];
    for (const [text, query] of cases) {
      const terms = new Set(analyze(query).map((t) => t.term));
      assert.equal(snippet(text, terms), reference(text, terms), text);
      assert.equal(snippet(text, terms, { words: 5 }).replaceAll('<mark>', '').length > 0 || text.trim() === '', true);
    }
    assert.match(snippet('Les modèles de Schrödinger', new Set(analyze('schrodinger').map((t) => t.term))), /<mark>Schrödinger<\/mark>/);
    assert.match(snippet('Keys and the key: a day, one Day, k-NN and X-ray', new Set(analyze('key day knn x-ray').map((t) => t.term))), /^Keys and the <mark>key:<\/mark> a <mark>day,<\/mark> one <mark>Day,<\/mark> <mark>k-NN<\/mark> and <mark>X-ray<\/mark>$/);
    assert.match(snippet('İSTANBUL traffic', new Set(analyze('traffic').map((t) => t.term))), /İSTANBUL <mark>traffic<\/mark>/);
  });

  it('agrees with analysing every word, on the seed papers and queries from their titles', () => {
    const papers = readFileSync(fixture('seed-papers.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { title: string; abstract: string });
    let marked = 0;
    papers.forEach((paper, i) => {
      const other = papers[(i * 7 + 3) % papers.length]!;
      for (const query of [paper.title.split(/\s+/).slice(0, 4).join(' '), `${other.title.split(/\s+/)[0]} learning models`]) {
        const terms = new Set(analyze(query).map((t) => t.term));
        const fast = snippet(paper.abstract, terms);
        assert.equal(fast, reference(paper.abstract, terms), `paper ${i}, query ${query}`);
        if (fast.includes('<mark>')) marked++;
      }
    });
    assert.ok(marked > papers.length, `most snippets mark something (${marked})`);
  });
});
