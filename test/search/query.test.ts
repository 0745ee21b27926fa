import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery, plainQuery } from '../../src/core/search/query.ts';

describe('the query syntax', () => {
  it('reads phrases, exclusions, OR groups, fields and categories', () => {
    const q = parseQuery('"graph neural" ti:molecule au:"Yann LeCun" -survey gpt-4 OR llama cat:cs.LG');
    assert.deepEqual(q.groups, [
      [{ kind: 'phrase', text: 'graph neural', negated: false }],
      [{ kind: 'word', text: 'molecule', fields: ['title'], negated: false }],
      [{ kind: 'phrase', text: 'Yann LeCun', fields: ['authors'], negated: false }],
      [{ kind: 'word', text: 'survey', negated: true }],
      [{ kind: 'word', text: 'gpt-4', negated: false }, { kind: 'word', text: 'llama', negated: false }],
    ]);
    assert.deepEqual(q.categories, ['cs.LG']);
    assert.equal(q.text, 'graph neural molecule Yann LeCun gpt-4 llama');
    assert.equal(q.paperId, null);
  });

  it('jumps to an arXiv id, with or without version', () => {
    assert.equal(parseQuery('2401.01234').paperId, '2401.01234');
    assert.equal(parseQuery(' arXiv:2401.01234v3 ').paperId, '2401.01234');
    assert.equal(parseQuery('hep-th/9901001').paperId, 'hep-th/9901001');
    assert.equal(parseQuery('2401.01234 transformers').paperId, null);
  });

  it('never throws on odd input', () => {
    assert.deepEqual(parseQuery('"unclosed').groups, [[{ kind: 'phrase', text: 'unclosed', negated: false }]]);
    assert.doesNotThrow(() => parseQuery('OR OR - " ti: -"" cat:'));
    assert.deepEqual(parseQuery('').groups, []);
    assert.deepEqual(parseQuery('foo:bar').groups, [[{ kind: 'word', text: 'foo:bar', negated: false }]]);
  });

  it('has a plain form without operators for evaluation', () => {
    assert.deepEqual(plainQuery('-a "b" OR c').groups.map((g) => g[0]!.text), ['-a', '"b"', 'OR', 'c']);
  });
});
