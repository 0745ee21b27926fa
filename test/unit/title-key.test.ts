import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { titleKey } from '../../src/core/title-key.ts';

describe('title keys (matching a record without id to its arXiv twin)', () => {
  it('fold case, spacing, punctuation, accents, TeX markup and Greek letters', () => {
    const same = [
      'α-Nets: Schrödinger Bridges for $k$-NN Search',
      '$\\alpha$-Nets:  {S}chr\\"odinger bridges for \\textit{k}-NN search.',
      'ALPHA NETS — SCHRODINGER BRIDGES FOR K NN SEARCH',
      '\\emph{$\\alpha$}-nets: schr\\"{o}dinger bridges, for $\\mathrm{k}$-NN search',
    ];
    for (const title of same) assert.equal(titleKey(title), 'alpha nets schrodinger bridges for k nn search', title);
  });

  it('keep different titles apart', () => {
    assert.notEqual(titleKey('Scaling Laws for Retrieval'), titleKey('Scaling Laws for Re-Retrieval'));
    assert.notEqual(titleKey('GPT-4 Technical Report'), titleKey('GPT-3 Technical Report'));
    assert.equal(titleKey('  '), '');
  });
});
