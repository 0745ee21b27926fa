import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePaper } from '../../src/core/merge.ts';
import type { Paper, PaperInput } from '../../src/core/paper.ts';

const NOW = '2024-01-10T00:00:00.000Z';
const LATER = '2024-02-01T00:00:00.000Z';

function stored(input: PaperInput): Paper {
  const decision = mergePaper(undefined, input, NOW);
  assert.equal(decision.outcome, 'added');
  return (decision as { paper: Paper }).paper;
}

const v2: PaperInput = {
  id: '2401.00001', version: 2, title: 'Title v2', abstract: 'Abstract v2', authors: ['A'], categories: ['cs.IR', 'cs.DB'],
  submittedAt: '2024-01-01T10:00:00.000Z', updatedAt: '2024-01-08T09:30:00.000Z', source: 'arxiv-oai',
};

describe('merging a record into the stored paper', () => {
  it('adds a new paper with the primary category first', () => {
    const paper = stored(v2);
    assert.equal(paper.primaryCategory, 'cs.IR');
    assert.equal(paper.version, 2);
    assert.equal(paper.deleted, false);
  });

  it('reports the same record again as unchanged', () => {
    assert.deepEqual(mergePaper(stored(v2), { ...v2 }, LATER), { outcome: 'unchanged' });
  });

  it('lets a newer version replace an older one', () => {
    const decision = mergePaper(stored(v2), { ...v2, version: 3, title: 'Title v3', updatedAt: '2024-01-20T00:00:00.000Z' }, LATER);
    assert.equal(decision.outcome, 'updated');
    if (decision.outcome !== 'updated') return;
    assert.equal(decision.paper.title, 'Title v3');
    assert.equal(decision.paper.version, 3);
    assert.deepEqual(decision.changed, ['version', 'title', 'updatedAt']);
  });

  it('never lets an older version replace a newer one', () => {
    const decision = mergePaper(stored(v2), { ...v2, version: 1, title: 'Title v1', updatedAt: '2024-01-01T10:00:00.000Z' }, LATER);
    assert.deepEqual(decision, { outcome: 'unchanged', reason: 'older version v1 than the stored v2' });
  });

  it('never lets an older update date replace a newer one when versions are unknown', () => {
    const paper = stored({ ...v2, version: null });
    const decision = mergePaper(paper, { ...v2, version: null, title: 'Old', updatedAt: '2023-12-01' }, LATER);
    assert.equal(decision.outcome, 'unchanged');
  });

  it('keeps fields a source does not carry: a Hugging Face record does not erase categories', () => {
    const decision = mergePaper(stored(v2), {
      id: '2401.00001', title: 'Title v2', abstract: 'Abstract v2', source: 'hf-daily',
      links: { code: 'https://github.com/x/y' },
      signals: [{ source: 'huggingface', name: 'upvotes', value: 42 }],
    }, LATER);
    assert.equal(decision.outcome, 'updated');
    if (decision.outcome !== 'updated') return;
    assert.deepEqual(decision.paper.categories, ['cs.IR', 'cs.DB']);
    assert.equal(decision.paper.version, 2);
    assert.equal(decision.paper.links.code, 'https://github.com/x/y');
    assert.deepEqual(decision.paper.signals, [{ source: 'huggingface', name: 'upvotes', value: 42, observedAt: LATER }]);
    assert.deepEqual(decision.changed, ['links', 'signals']);
  });

  it('merges signals whatever the version, and keeps observedAt until a value changes', () => {
    const paper = stored({ ...v2, signals: [{ source: 'huggingface', name: 'upvotes', value: 1 }] });
    assert.equal(mergePaper(paper, { id: v2.id, source: 'hf', signals: [{ source: 'huggingface', name: 'upvotes', value: 1 }] }, LATER).outcome, 'unchanged');
    const stale = mergePaper(paper, { ...v2, version: 1, signals: [{ source: 'huggingface', name: 'upvotes', value: 5 }] }, LATER);
    assert.equal(stale.outcome, 'updated');
    if (stale.outcome !== 'updated') return;
    assert.equal(stale.paper.title, 'Title v2');
    assert.deepEqual(stale.paper.signals[0], { source: 'huggingface', name: 'upvotes', value: 5, observedAt: LATER });
  });

  it('never moves the first submission or announcement later', () => {
    const paper = stored({ ...v2, announcedAt: '2024-01-02' });
    const decision = mergePaper(paper, { ...v2, version: 3, submittedAt: '2024-01-08T00:00:00.000Z', announcedAt: '2024-01-09' }, LATER);
    assert.equal(decision.outcome, 'updated');
    if (decision.outcome !== 'updated') return;
    assert.equal(decision.paper.submittedAt, v2.submittedAt);
    assert.equal(decision.paper.announcedAt, '2024-01-02');
  });

  it('marks a stored paper deleted, once, and ignores deletions of unknown papers', () => {
    const deletion: PaperInput = { id: v2.id, deleted: true, source: 'arxiv-oai' };
    const decision = mergePaper(stored(v2), deletion, LATER);
    assert.equal(decision.outcome, 'deleted');
    if (decision.outcome !== 'deleted') return;
    assert.equal(decision.paper.deleted, true);
    assert.equal(mergePaper(decision.paper, deletion, LATER).outcome, 'unchanged');
    assert.deepEqual(mergePaper(undefined, deletion, LATER), { outcome: 'unchanged', reason: 'deletion of a paper that is not stored' });
  });
});
