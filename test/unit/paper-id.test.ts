import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arxivLinks, contentId, lookupPaperId, parsePaperId, requirePaperId } from '../../src/core/paper-id.ts';

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

  it('refuses source ids that could leave their URL path segment, saying what is wrong', () => {
    const hostile = [
      'x:a/../2611.10001', 'x:a/../../signout/everywhere?', 'x:a..b', 'x:..', 'x:a?b', 'x:a#b', 'x:a%2Fb', 'x:a"b', "x:a'b", 'x:a b',
      'x:a\tb', 'x:a\u0000b', 'x:a\u202eb', 'x:a<b>', 'x:a\\b', 'X:abc', 'https:abc', 'x:',
    ];
    for (const raw of hostile) assert.equal(parsePaperId(raw), null, JSON.stringify(raw));
    assert.throws(() => requirePaperId('x:a/../2611.10001'), /field 'id': "x:a\/..\/2611.10001" is not an arXiv id \(2401.01234v2, hep-th\/9901001\) or a source:id: '\/' is allowed only in old-style arXiv ids such as hep-th\/9901001/);
    assert.throws(() => requirePaperId('x:a?b'), /source:id: "\?" is not allowed \(a source id holds letters, digits, '\.', '_', ':' and '-'\)/);
    assert.throws(() => requirePaperId('x:a..b'), /source:id: '\.\.' is not allowed/);
    assert.throws(() => requirePaperId('x:a\u0000b'), /"\\u0000" is not allowed/);
  });

  it('keeps accepting source ids of the documented set and old-style arXiv ids with their one slash', () => {
    assert.equal(parsePaperId('openreview:Ab-12_x.y:z')?.kind, 'source');
    assert.equal(parsePaperId('semantic-scholar:a.b')?.id, 'semantic-scholar:a.b');
    assert.equal(parsePaperId('hep-th/9901001')?.kind, 'arxiv-old');
    assert.equal(parsePaperId('oai:arXiv.org:math.GT/0309136v2')?.id, 'math.GT/0309136');
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

describe('looking a stored paper up by id', () => {
  it('normalises valid ids, keeps source ids an older version stored, and refuses what cannot be an id', () => {
    assert.equal(lookupPaperId('arXiv:2401.01234v2'), '2401.01234');
    assert.equal(lookupPaperId('hep-th/9901001'), 'hep-th/9901001');
    assert.equal(lookupPaperId('x:100%'), 'x:100%');
    assert.equal(lookupPaperId('x:a/../2401.00101'), 'x:a/../2401.00101');
    assert.equal(lookupPaperId('not-an-id'), null);
    assert.equal(lookupPaperId('x:a\nb'), null);
  });
});
