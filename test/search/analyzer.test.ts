import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze, fold, stripLatex, terms } from '../../src/core/search/analyzer.ts';

describe('the analyser', () => {
  it('keeps tokens such as GPT-4, k-NN, BERT, 3D and L2 whole (and their parts)', () => {
    assert.deepEqual(terms('GPT-4'), ['gpt4', 'gpt', '4']);
    assert.deepEqual(terms('k-NN'), ['knn', 'k', 'nn']);
    assert.deepEqual(terms('BERT 3D L2'), ['bert', '3d', 'l2']);
    assert.deepEqual(terms('kNN'), ['knn'], 'k-NN and kNN meet on knn');
  });

  it('folds Unicode and case, drops stop words, stems', () => {
    assert.deepEqual(terms('Naïve Gödel'), ['naiv', 'godel']);
    assert.equal(fold('ÉCOLE Ångström'), 'ecole angstrom');
    assert.deepEqual(terms('the transformers are retrieving'), ['transform', 'retriev']);
    assert.deepEqual(terms('state-of-the-art'), ['stateoftheart', 'state', 'art']);
  });

  it('keeps LaTeX markup out of the index', () => {
    assert.equal(stripLatex('$\\mathbb{R}^d$').trim().replace(/\s+/g, ' '), 'R d');
    assert.deepEqual(terms('We bound $\\mathcal{O}(n^2)$ with \\textbf{sparse} attention \\cite{vaswani2017}'), ['bound', 'o', 'n', '2', 'spars', 'attent']);
  });

  it('gives positions that phrases can rely on', () => {
    assert.deepEqual(analyze('graph neural networks'), [
      { term: 'graph', position: 0 },
      { term: 'neural', position: 1 },
      { term: 'network', position: 2 },
    ]);
  });
});
