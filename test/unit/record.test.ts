import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaperboyError } from '../../src/core/errors.ts';
import { finishRecord, LIMITS } from '../../src/core/record.ts';

const rejects = (draft: Parameters<typeof finishRecord>[0], pattern: RegExp) =>
  assert.throws(() => finishRecord(draft, 'test'), (error: unknown) => error instanceof PaperboyError && pattern.test(error.message));

describe('finishing a record', () => {
  it('moves an id version suffix into the version and cleans the text', () => {
    const input = finishRecord({ id: 'arXiv:2401.01234v3', title: ' A\n  title ', abstract: ' Some\n text ', authors: [' A. One ', ''] }, 'test');
    assert.equal(input.id, '2401.01234');
    assert.equal(input.version, 3);
    assert.equal(input.title, 'A title');
    assert.equal(input.abstract, 'Some text');
    assert.deepEqual(input.authors, ['A. One']);
  });

  it('gives a record without id a content-derived id', () => {
    const input = finishRecord({ title: 'Seed paper', abstract: 'x' }, 'test');
    assert.match(input.id, /^content:[0-9a-f]{16}$/);
  });

  it('puts the primary category first, once, and drops MSC/ACM classes mixed into the list', () => {
    const input = finishRecord({ id: '2401.01234', title: 't', categories: ['cs.LG', 'cs.CV', '68T45', 'I.2.7; J.3'], primaryCategory: 'cs.CV' }, 'test');
    assert.deepEqual(input.categories, ['cs.CV', 'cs.LG']);
  });

  it('rejects, naming the field: missing title, bad id, bad category, bad date, bad URL', () => {
    rejects({ id: '2401.01234', title: '  ' }, /field 'title' is missing or empty/);
    rejects({ abstract: 'no title, no id' }, /field 'title' is missing/);
    rejects({ id: 'nonsense id', title: 't' }, /field 'id': "nonsense id" is not an arXiv id/);
    rejects({ id: '2401.01234', title: 't', categories: ['not a category!'] }, /field 'categories' contains "not a category!"/);
    rejects({ id: '2401.01234', title: 't', submittedAt: 'soon' }, /field 'submittedAt' is not a valid date: "soon"/);
    rejects({ id: '2401.01234', title: 't', links: { code: 'javascript:alert(1)' } }, /field 'links.code' must be an http\(s\) URL/);
    rejects({ id: '2401.01234', title: 't', version: 'v0' }, /field 'version' must be a positive integer/);
  });

  it('rejects absurdly long fields with their length and the limit', () => {
    rejects({ id: '2401.01234', title: 'x'.repeat(LIMITS.title + 1) }, /field 'title' is 2,001 characters long; the limit is 2,000/);
    rejects({ id: '2401.01234', title: 't', abstract: 'y'.repeat(10_000_000) }, /field 'abstract' is 10,000,000 characters long; the limit is 20,000/);
    rejects({ id: '2401.01234', title: 't', authors: Array.from({ length: LIMITS.authors + 1 }, () => 'A') }, /field 'authors' has more than 10,000 names \(the limit\)/);
    rejects({ id: '2401.01234', title: 't', authors: ['ok', 'z'.repeat(5000)] }, /field 'authors\[1\]' is 5,000 characters long/);
  });

  it('accepts only arXiv ids from a source that carries arXiv ids', () => {
    const arxivOnly = (draft: Parameters<typeof finishRecord>[0]) => () => finishRecord(draft, 'hf-daily', { arxivIdsOnly: true });
    assert.equal(arxivOnly({ id: 'hep-th/9901001v2', title: 't' })().id, 'hep-th/9901001');
    assert.throws(arxivOnly({ id: 'x:abc', title: 't' }), /field 'id': "x:abc" is not an arXiv id \(2401.01234v2, hep-th\/9901001\), the only ids this source \(hf-daily\) carries/);
    assert.throws(arxivOnly({ title: 'no id' }), /field 'id' is missing \(this source, hf-daily, carries arXiv ids\)/);
    assert.throws(arxivOnly({ id: 'x:a/../2611.10001', title: 't' }), /field 'id': .* '\/' is allowed only in old-style arXiv ids/);
  });

  it('keeps deletions minimal', () => {
    assert.deepEqual(finishRecord({ id: 'oai:arXiv.org:2312.99999', deleted: true, updatedAt: '2024-01-09' }, 'oai'), {
      id: '2312.99999', deleted: true, source: 'oai', updatedAt: '2024-01-09',
    });
  });
});
