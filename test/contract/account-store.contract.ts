/**
 * The contract of the AccountStore port (src/ports/account-store.ts), run against every adapter
 * (account-store.test.ts), with the paper store of the same database for votes in the change feed.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mergePaper } from '../../src/core/merge.ts';
import type { PaperInput } from '../../src/core/paper.ts';
import { contentId } from '../../src/core/paper-id.ts';
import type { AccountStore } from '../../src/ports/account-store.ts';
import type { PaperStore } from '../../src/ports/paper-store.ts';
import type { SignalStore } from '../../src/ports/signal-store.ts';

/** How the suite gets stores of one adapter, all on one new database. */
export interface AccountStoreHarness {
  newDatabase(): Promise<{ papers: PaperStore; accounts: AccountStore; signals: SignalStore; close(): Promise<void> }>;
}

const NOW = '2024-01-10T00:00:00.000Z';
const LATER = '2024-01-10T01:00:00.000Z';
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);
const paper = (n: number, extra: Partial<PaperInput> = {}): PaperInput => ({
  id: `2401.${String(n).padStart(5, '0')}`, title: `Paper number ${n}`, abstract: `About ${n}`, source: 'test', ...extra,
});

export function accountStoreContract(harness: AccountStoreHarness): void {
  async function fresh() {
    const db = await harness.newDatabase();
    await db.papers.upsertPapers([1, 2, 3].map((n) => paper(n)), merge);
    return db;
  }

  it('finds or creates users by email, once', async () => {
    const { accounts, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    assert.deepEqual(ada, { id: ada.id, email: 'ada@example.org', createdAt: NOW });
    assert.deepEqual(await accounts.findOrCreateUser('ada@example.org', LATER), ada, 'the second sign-in finds the same user');
    const [a, b] = await Promise.all([accounts.findOrCreateUser('kurt@example.org', NOW), accounts.findOrCreateUser('kurt@example.org', NOW)]);
    assert.deepEqual(a, b, 'two requests at once make one user');
    assert.deepEqual(await accounts.getUser(ada.id), ada);
    assert.equal(await accounts.getUser(987654), null);
    await close();
  });

  it('consumes a sign-in link once, never after it expired, and purges expired ones', async () => {
    const { accounts, close } = await fresh();
    const link = { tokenHash: 'h1', email: 'ada@example.org', nextPath: '/library', createdAt: NOW, expiresAt: '2024-01-10T00:15:00.000Z' };
    await accounts.saveSignInLink(link);
    await accounts.saveSignInLink({ ...link, tokenHash: 'h2' });
    const [first, second] = await Promise.all([accounts.consumeSignInLink('h1', LATER.replace('01:00', '00:05')), accounts.consumeSignInLink('h1', LATER.replace('01:00', '00:05'))]);
    assert.deepEqual([first, second].filter(Boolean), [link], 'used once, even by two requests at once');
    assert.equal(await accounts.consumeSignInLink('h2', '2024-01-10T00:15:00.000Z'), null, 'expired at its expiry time');
    assert.equal(await accounts.consumeSignInLink('unknown', NOW), null);
    await accounts.saveSignInLink({ ...link, tokenHash: 'h3', createdAt: '2024-01-11T00:00:00.000Z', expiresAt: '2024-01-11T00:15:00.000Z' });
    assert.equal(await accounts.consumeSignInLink('h2', NOW), null, 'the expired link was purged');
    await close();
  });

  it('finds live sessions with their user, and deletes one or all of a user', async () => {
    const { accounts, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    const session = { tokenHash: 's1', userId: ada.id, createdAt: NOW, expiresAt: '2024-02-10T00:00:00.000Z' };
    await accounts.createSession(session);
    await accounts.createSession({ ...session, tokenHash: 's2' });
    await accounts.createSession({ ...session, tokenHash: 's3' });
    assert.deepEqual(await accounts.findSession('s1', LATER), { session, user: ada });
    assert.equal(await accounts.findSession('s1', '2024-02-10T00:00:00.000Z'), null, 'expired');
    assert.equal(await accounts.findSession('nope', LATER), null);
    await accounts.deleteSession('s1');
    assert.equal(await accounts.findSession('s1', LATER), null);
    assert.equal(await accounts.deleteUserSessions(ada.id), 2);
    assert.equal(await accounts.findSession('s2', LATER), null);
    assert.equal(await accounts.deleteUserSessions(ada.id), 0);
    await close();
  });

  it('counts votes once per user, and hands each vote that changes a count to the change feed', async () => {
    const { accounts, papers, signals, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    const kurt = await accounts.findOrCreateUser('kurt@example.org', NOW);
    const mark = await papers.lastChangeSeq();
    assert.equal(await accounts.setVote(ada.id, '2401.00002', true, NOW), 1);
    assert.equal(await accounts.setVote(kurt.id, '2401.00002', true, NOW), 2);
    let changes = await papers.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.localVotes]), [['2401.00002', 2]]);
    assert.ok(changes[0]!.textSeq <= mark, 'a vote is not a text change');
    const afterVotes = changes[0]!.changeSeq;
    assert.equal(await accounts.setVote(ada.id, '2401.00002', true, NOW), 2, 'voting twice counts once');
    assert.deepEqual(await papers.changesSince(afterVotes, 10), [], 'a vote that changes nothing is no change');
    await accounts.setVote(ada.id, '2401.00002', false, LATER);
    changes = await papers.changesSince(afterVotes, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.localVotes]), [['2401.00002', 1]]);
    assert.equal(await accounts.setVote(ada.id, '2401.00002', false, LATER), 1, 'removing a missing vote changes nothing');
    assert.equal((await papers.readIndexed([2])).get(2)?.localVotes, 1);
    await accounts.setVote(ada.id, '2401.00003', true, NOW);
    assert.equal(await accounts.voteCount('2401.00002'), 1);
    assert.equal(await accounts.voteCount('2401.00001'), 0);
    assert.deepEqual(await accounts.voteCounts(), new Map([['2401.00002', 1], ['2401.00003', 1]]));
    assert.deepEqual(await accounts.votedBy(ada.id, ['2401.00001', '2401.00003', '2401.00003']), new Set(['2401.00003']));
    assert.deepEqual(await accounts.votedBy(ada.id, []), new Set());
    assert.deepEqual((await signals.gains('2024-01-10', '2024-01-10')).get('2401.00002'), { localVotes: 1 }, 'votes made in the window');
    await close();
  });

  it('keeps library and hidden lists, newest first, paged', async () => {
    const { accounts, signals, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    await accounts.setInList('library', ada.id, '2401.00001', true, '2024-01-10T00:00:01.000Z');
    await accounts.setInList('library', ada.id, '2401.00002', true, '2024-01-10T00:00:03.000Z');
    await accounts.setInList('library', ada.id, '2401.00003', true, '2024-01-10T00:00:02.000Z');
    await accounts.setInList('library', ada.id, '2401.00003', true, '2024-01-10T00:00:09.000Z');
    await accounts.setInList('hidden', ada.id, '2401.00001', true, NOW);
    const page = await accounts.listPapers('library', ada.id, 2, 0);
    assert.deepEqual(page, { items: [{ paperId: '2401.00002', addedAt: '2024-01-10T00:00:03.000Z' }, { paperId: '2401.00003', addedAt: '2024-01-10T00:00:02.000Z' }], total: 3 });
    assert.deepEqual((await accounts.listPapers('library', ada.id, 2, 2)).items.map((i) => i.paperId), ['2401.00001']);
    assert.deepEqual(await accounts.inList('library', ada.id, ['2401.00001', '2401.00009']), new Set(['2401.00001']));
    assert.deepEqual(await accounts.allInList('hidden', ada.id), new Set(['2401.00001']));
    assert.equal((await signals.gains('2024-01-10', '2024-01-10')).get('2401.00002')?.saves, 1, 'saves made in the window');
    await accounts.setInList('library', ada.id, '2401.00001', false, LATER);
    await accounts.setInList('hidden', ada.id, '2401.00002', false, LATER);
    assert.deepEqual(await accounts.allInList('library', ada.id), new Set(['2401.00002', '2401.00003']));
    assert.deepEqual(await accounts.listPapers('hidden', (await accounts.findOrCreateUser('kurt@example.org', NOW)).id, 10, 0), { items: [], total: 0 });
    await close();
  });

  it('keeps votes and library entries with a paper without id that merges into its arXiv twin', async () => {
    const { accounts, papers, close } = await fresh();
    const title = 'A twin paper about ranking';
    await papers.upsertPapers([{ id: contentId(title), title, abstract: 'x', source: 'hf' }], merge);
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    await accounts.setVote(ada.id, contentId(title), true, NOW);
    await accounts.setInList('library', ada.id, contentId(title), true, NOW);
    await accounts.setInList('mine', ada.id, contentId(title), true, NOW);
    const mark = await papers.lastChangeSeq();
    await papers.upsertPapers([paper(7, { title })], merge);
    const changes = await papers.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.localVotes, c.textSeq === c.changeSeq]), [['2401.00007', 1, true]]);
    assert.equal(await accounts.voteCount('2401.00007'), 1);
    assert.deepEqual(await accounts.allInList('library', ada.id), new Set(['2401.00007']));
    assert.deepEqual(await accounts.allInList('mine', ada.id), new Set(['2401.00007']), '"my papers" follow the merge too');
    assert.deepEqual(await accounts.votedPapers(ada.id), new Set(['2401.00007']));
    await close();
  });

  it('lists every paper a reader voted for (their ratings), and no one else\'s', async () => {
    const { accounts, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    const kurt = await accounts.findOrCreateUser('kurt@example.org', NOW);
    assert.deepEqual(await accounts.votedPapers(ada.id), new Set());
    await accounts.setVote(ada.id, '2401.00001', true, NOW);
    await accounts.setVote(ada.id, '2401.00003', true, NOW);
    await accounts.setVote(kurt.id, '2401.00002', true, NOW);
    assert.deepEqual(await accounts.votedPapers(ada.id), new Set(['2401.00001', '2401.00003']));
    await accounts.setVote(ada.id, '2401.00001', false, LATER);
    assert.deepEqual(await accounts.votedPapers(ada.id), new Set(['2401.00003']), 'a vote taken back is no rating');
    assert.deepEqual(await accounts.votedPapers(kurt.id), new Set(['2401.00002']));
    await close();
  });

  it('keeps "my papers" as a list of their own', async () => {
    const { accounts, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    await accounts.setInList('mine', ada.id, '2401.00001', true, NOW);
    await accounts.setInList('mine', ada.id, '2401.00002', true, LATER);
    assert.deepEqual(await accounts.allInList('mine', ada.id), new Set(['2401.00001', '2401.00002']));
    assert.deepEqual(await accounts.allInList('library', ada.id), new Set(), 'not saved papers');
    assert.deepEqual((await accounts.listPapers('mine', ada.id, 10, 0)).items.map((i) => i.paperId), ['2401.00002', '2401.00001']);
    await accounts.setInList('mine', ada.id, '2401.00001', false, LATER);
    assert.deepEqual(await accounts.inList('mine', ada.id, ['2401.00001', '2401.00002']), new Set(['2401.00002']));
    await close();
  });

  it('revokes private feed tokens by generation: 0 at first, one more per revocation, per user', async () => {
    const { accounts, close } = await fresh();
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    const kurt = await accounts.findOrCreateUser('kurt@example.org', NOW);
    assert.equal(await accounts.feedGeneration(ada.id), 0);
    assert.equal(await accounts.renewFeedGeneration(ada.id), 1);
    assert.equal(await accounts.renewFeedGeneration(ada.id), 2);
    assert.equal(await accounts.feedGeneration(ada.id), 2);
    assert.equal(await accounts.feedGeneration(kurt.id), 0, 'another reader\'s feed is untouched');
    assert.equal(await accounts.feedGeneration(987654), null, 'unknown user');
    await assert.rejects(accounts.renewFeedGeneration(987654), /no user 987654/);
    await close();
  });
}
