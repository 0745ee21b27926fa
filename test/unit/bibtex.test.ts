import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bibtex, isPublicUrl } from '../../src/core/bibtex.ts';

describe('BibTeX of a record without id, authors or date', () => {
  it('states what is known and invents nothing: no Anonymous author, no year, no local URL', () => {
    const entry = bibtex({
      id: 'content:0f1e2d3c4b5a6978', title: 'Similarity search in the blink of an eye with compressed indices', authors: [], date: null,
      primaryCategory: null, url: 'http://127.0.0.1:3000/papers/content:0f1e2d3c4b5a6978',
    });
    assert.equal(entry, '@misc{similarity,\n  title = {Similarity search in the blink of an eye with compressed indices}\n}');
  });

  it('keeps a public URL and drops local, private and reserved ones', () => {
    const entry = bibtex({ id: 'content:0f1e2d3c4b5a6978', title: 'A paper', authors: ['Ada Lovelace'], date: '2024-05-01', primaryCategory: null, url: 'https://papers.example.org/papers/content:0f1e2d3c4b5a6978' });
    assert.match(entry, /author = \{Ada Lovelace\}/);
    assert.match(entry, /url = \{https:\/\/papers\.example\.org\/papers\/content:0f1e2d3c4b5a6978\}/);
    for (const url of ['https://arxiv.org/abs/2401.00001', 'http://93.184.216.34/x', 'https://[2606:2800:220:1::1]/x']) assert.ok(isPublicUrl(url), url);
    for (const url of ['http://localhost:3000/p', 'http://127.0.0.1:3000/p', 'http://[::1]:3000/p', 'http://192.168.1.20/p', 'http://10.0.0.5/p', 'http://172.20.0.1/p', 'http://paperboy.test/p', 'http://nas.local/p', 'http://intranet/p', 'ftp://arxiv.org/x', 'not a url']) {
      assert.ok(!isPublicUrl(url), url);
    }
  });
});
