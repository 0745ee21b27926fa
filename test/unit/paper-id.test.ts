import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arxivLinks, contentId, parsePaperId, requirePaperId } from '../../src/core/paper-id.ts';

describe('paper ids', () => {
  it('parses new-style arXiv ids with and without a version', () => {
    assert.deepEqual(parsePaperId('2401.01234'), { id: '2401.01234', version: null, kind: 'arxiv-new' });
    assert.deepEqual(parsePaperId('2401.01234v3'), { id: '2401.01234', version: 3, kind: 'arxiv-new' });
    assert.deepEqual(parsePaperId('0704.0001v1'), { id: '0704.0001', version: 1, kind: 'arxiv-new' });
  });

  it('parses old-style ids, with subject classes', () => {
    assert.deepEqual(parsePaperId('hep-th/9901001'), { id: 'hep-th/9901001', version: null, kind: 'arxiv-old' });
    assert.deepEqual(parsePaperId('math.GT/0309136v2'), { id: 'math.GT/0309136', version: 2, kind: 'arxiv-old' });
    assert.equal(parsePaperId('cond-mat.str-el/0001001')?.id, undefined, 'subject classes are two capital letters');
  });

  it('strips the usual prefixes and URLs', () => {
    for (const raw of ['arXiv:2401.01234v2', 'https://arxiv.org/abs/2401.01234v2', 'http://export.arxiv.org/abs/2401.01234v2', 'https://arxiv.org/pdf/2401.01234v2.pdf', 'oai:arXiv.org:2401.01234v2']) {
      assert.deepEqual(parsePaperId(raw), { id: '2401.01234', version: 2, kind: 'arxiv-new' }, raw);
    }
    assert.equal(parsePaperId('oai:arXiv.org:hep-th/9901001')?.id, 'hep-th/9901001');
  });

  it('refuses impossible arXiv ids', () => {
    assert.equal(parsePaperId('2413.01234'), null, 'month 13');
    assert.equal(parsePaperId('2401.0123'), null, 'four digits after 2015');
    assert.equal(parsePaperId('1401.01234'), null, 'five digits before 2015');
    assert.equal(parsePaperId('hello world'), null);
    assert.equal(parsePaperId(''), null);
  });

  it('accepts source:id for other sources', () => {
    assert.deepEqual(parsePaperId('openreview:abc123'), { id: 'openreview:abc123', version: null, kind: 'source' });
    assert.throws(() => requirePaperId('not an id'), /field 'id': "not an id" is not an arXiv id/);
  });

  it('derives a stable content id that ignores case, accents, punctuation and spacing', () => {
    const a = contentId('M1: Towards Scalable Test-Time Compute');
    assert.match(a, /^content:[0-9a-f]{16}$/);
    assert.equal(contentId('  m1 towards   scalable test time compute '), a);
    assert.equal(contentId('Gödel'), contentId('Godel'));
    assert.notEqual(contentId('M2: Towards Scalable Test-Time Compute'), a);
    assert.equal(parsePaperId(a)?.kind, 'content');
  });

  it('derives arXiv links only for arXiv ids', () => {
    assert.equal(arxivLinks('2401.01234')?.pdf, 'https://arxiv.org/pdf/2401.01234');
    assert.equal(arxivLinks('content:0123456789abcdef'), null);
  });
});
