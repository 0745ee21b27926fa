import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePaper } from '../src/core/merge.ts';
import { paperPath } from '../src/core/paper-url.ts';
import { BASE_URL, client, signIn, testApp } from './app-helpers.ts';
import { fixture } from './helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
type Json = any;

// Ids that once reached other routes through their links (issue 10, item 7). They are written
// straight into the store, past any import validation, as an old database might hold them.
const HOSTILE = ['x:a/../2401.00101', 'x:a/../../signout/everywhere?', 'x:say"hi"', 'x:what?now', 'x:100%', 'x:100%25', 'x:tag#frag'];

describe('paper ids in links', async () => {
  const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
  const now = new Date(t.clock.now()).toISOString();
  await t.store.upsertPapers(
    HOSTILE.map((id, i) => ({ id, title: `Hostile id paper number${i}`, abstract: 'A paper with an unusual id.', authors: ['Eve'], categories: ['cs.CR'], announcedAt: '2024-01-11', source: 'test' })),
    (existing, input) => mergePaper(existing, input, now),
  );
  const reader = client(t.app);
  await signIn(reader, t.mailer as Json, 'ids@example.org');

  /** Each card of a page: its title, the link to its page and where its vote form posts. */
  const cards = (html: string) => [...html.matchAll(/<li class="paper"[\s\S]*?<\/li>/g)].map(([li]) => ({
    title: /<h[23] class="title"><a href="([^"]*)">([^<]*)</.exec(li)![2]!,
    href: /<h[23] class="title"><a href="([^"]*)"/.exec(li)![1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"'),
    vote: /<form class="vote-form" method="post" action="([^"]*)"/.exec(li)?.[1]?.replace(/&amp;/g, '&'),
  }));

  it('link each card to exactly its own paper, and post its vote to its own vote route', async () => {
    const html = await (await reader.request('/daily?date=2024-01-11')).text();
    const found = cards(html).filter((c) => c.title.startsWith('Hostile id paper'));
    assert.equal(found.length, HOSTILE.length);
    for (const card of found) {
      const id = HOSTILE[Number(/number(\d+)/.exec(card.title)![1])]!;
      // The browser resolves the link (dot segments, ?, #) before asking for it.
      const url = new URL(card.href, BASE_URL);
      assert.equal(`${url.pathname}${url.search}${url.hash}`, paperPath(id), id);
      const page = await reader.request(url.pathname);
      assert.equal(page.status, 200, `${id}: ${url.pathname}`);
      assert.match(await page.text(), new RegExp(`<h1>${card.title}</h1>`), id);
      const action = new URL(card.vote!, BASE_URL);
      assert.equal(action.pathname, `${paperPath(id)}/vote`, id);
      assert.equal(action.search, '');
      const vote = await reader.form(action.pathname, { on: '1', back: '/daily?date=2024-01-11' });
      assert.equal(vote.status, 303, `${id}: ${await vote.text()}`);
    }
    assert.equal(await t.accountStore.voteCount('2401.00101'), 0, 'no vote reached 2401.00101');
    for (const id of HOSTILE) assert.equal(await t.accountStore.voteCount(id), 1, id);
    assert.equal((await reader.session()).user?.email, 'ids@example.org', 'still signed in: nothing posted to /signout/everywhere');
  });

  it('give API and feed links that reach the paper', async () => {
    const body = (await (await reader.request('/api/daily?date=2024-01-11&limit=50')).json()) as Json;
    for (const item of body.items as Json[]) {
      const url = new URL(item.url as string);
      const res = await reader.request(`/api/papers/${url.pathname.slice('/papers/'.length)}`);
      assert.equal(res.status, 200, item.id);
      assert.equal(((await res.json()) as Json).id, item.id);
    }
    const feed = await (await reader.request('/feeds/daily.atom?date=2024-01-11')).text();
    for (const id of HOSTILE) assert.ok(feed.includes(`${BASE_URL}${paperPath(id)}`.replace(/&/g, '&amp;').replace(/"/g, '&quot;')), id);
  });

  it('keep old-style arXiv ids readable, with the slash or encoded', async () => {
    assert.equal(paperPath('hep-th/9901001'), '/papers/hep-th/9901001');
    assert.equal(paperPath('2401.00101'), '/papers/2401.00101');
    for (const path of ['/papers/hep-th/9901001', '/papers/hep-th%2F9901001']) assert.equal((await reader.request(path)).status, 200, path);
    const vote = await reader.form('/papers/hep-th%2F9901001/vote', { on: '1' });
    assert.equal(vote.status, 303);
    assert.equal(await t.accountStore.voteCount('hep-th/9901001'), 1);
  });
});
