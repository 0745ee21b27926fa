import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as S from '../../src/http/api-schemas.ts';
import { BASE_URL, client, signIn } from '../app-helpers.ts';
import { recsApp, topicIds } from './recs-app.ts';

type Recs = ReturnType<typeof S.RecommendationsBody.parse>;
const SPEECH = topicIds(1);
const GALAXIES = topicIds(2);

describe('"For you" for a signed-in reader', () => {
  let t: Awaited<ReturnType<typeof recsApp>>['t'];
  let topicOf: Map<string, number>;
  before(async () => {
    ({ t, topicOf } = await recsApp({ rateLimits: null }));
  });
  const reader = async (email: string) => {
    const c = client(t.app);
    await signIn(c, t.mailer as never, email);
    return c;
  };
  const recommendations = async (c: ReturnType<typeof client>, query = 'days=31&limit=5'): Promise<Recs> => {
    const res = await c.request(`/api/recommendations?${query}`);
    assert.equal(res.status, 200, await res.clone().text());
    return S.RecommendationsBody.parse(await res.json());
  };

  it('sends a signed-out visitor to sign in, and gives a reader with no ratings the cold-start page', async () => {
    const out = await t.app.request(`${BASE_URL}/for-you`, { redirect: 'manual' });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/signin?next=%2Ffor-you');
    const c = await reader('cold@example.org');
    const home = await (await c.request('/')).text();
    assert.match(home, /<a href="\/for-you">For you<\/a>/, 'the nav links to it for signed-in readers');
    const res = await c.request('/for-you');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Recommendations based on nothing yet/);
    assert.match(html, /Tell Paperboy what you read/);
    assert.match(html, /Save or upvote a few papers, or add papers of your own, and recommendations will follow\. Each paper/);
    assert.match(html, /<h2 id="starters-h">Papers to rate<\/h2>/);
    assert.match(html, /action="\/papers\/2601\.\d+\/vote"/, 'papers to rate come with upvote buttons');
    assert.match(html, /action="\/papers\/2601\.\d+\/save"/, 'and save buttons');
    assert.match(html, /href="\/search"/);
    assert.match(html, /<textarea id="my-papers-text" name="papers"/);
    assert.match(html, /<input id="my-papers-file" type="file" name="bibtexFile"/);
    assert.doesNotMatch(html, /Not interested/, 'no recommendations yet');
  });

  it('never offers a paper the reader liked or hid as a paper to rate', async () => {
    const c = await reader('starters@example.org');
    // The newest papers (the starters when the week has no trending ones): one saved, one upvoted, one of their own, one hidden.
    const newest = [SPEECH[13]!, GALAXIES[13]!, topicIds(0)[13]!, SPEECH[12]!];
    await c.form(`/papers/${newest[0]}/save`, { on: '1' });
    await c.form(`/papers/${newest[1]}/vote`, { on: '1' });
    await c.api('PUT', `/api/my-papers/${newest[2]}`);
    await c.form(`/papers/${newest[3]}/hide`, { on: '1' });
    const html = await (await c.request('/for-you')).text();
    const starters = html.slice(html.indexOf('id="starters-h"'), html.indexOf('</section>', html.indexOf('id="starters-h"')));
    assert.ok(starters.length > 0 && /\/papers\/2601\.\d+\/save/.test(starters), 'papers to rate are shown');
    for (const id of newest) assert.ok(!starters.includes(`/papers/${id}/`), `${id} was rated: not offered again`);
  });

  it('lists the hidden papers and the reader\'s own on the page, each with a button that undoes it', async () => {
    const c = await reader('lists@example.org');
    const [hidden, mine] = [SPEECH[5]!, GALAXIES[5]!];
    await c.form(`/papers/${hidden}/hide`, { on: '1' });
    await c.api('PUT', `/api/my-papers/${mine}`);
    const html = await (await c.request('/for-you')).text();
    assert.match(html, /<h2 id="hidden-h">Hidden papers \(1\)<\/h2>/);
    assert.match(html, /<h2 id="mine-h">My papers \(1\)<\/h2>/);
    assert.match(html, new RegExp(`action="/papers/${hidden}/hide"><input type="hidden" name="_csrf" value="[^"]+"/><input type="hidden" name="on" value="0"/><input type="hidden" name="back" value="/for-you"/><button type="submit" class="small" aria-pressed="true">Unhide</button>`));
    assert.match(html, new RegExp(`action="/papers/${mine}/mine"><input type="hidden" name="_csrf" value="[^"]+"/><input type="hidden" name="on" value="0"/>[^]*?Remove from my papers</button>`));
    assert.equal((await c.form(`/papers/${hidden}/hide`, { on: '0', back: '/for-you' })).headers.get('location'), '/for-you');
    assert.equal((await c.form(`/papers/${mine}/mine`, { on: '0', back: '/for-you' })).headers.get('location'), '/for-you');
    const after = await (await c.request('/for-you')).text();
    assert.match(after, /<h2 id="hidden-h">Hidden papers \(0\)<\/h2>/);
    assert.match(after, /<h2 id="mine-h">My papers \(0\)<\/h2>/);
    assert.deepEqual((await recommendations(c)).basedOn, { saved: 0, upvoted: 0, mine: 0, hidden: 0, withoutEmbedding: 0 });
  });

  it('counts upvotes as likes', async () => {
    const c = await reader('voter@example.org');
    assert.equal((await recommendations(c)).coldStart, true);
    for (const id of SPEECH.slice(0, 2)) assert.equal((await c.form(`/papers/${id}/vote`, { on: '1' })).status, 303);
    const body = await recommendations(c);
    assert.deepEqual(body.basedOn, { saved: 0, upvoted: 2, mine: 0, hidden: 0, withoutEmbedding: 0 });
    assert.equal(body.summary, 'based on 2 upvotes');
    assert.equal(body.coldStart, false);
    assert.equal(body.items.length, 5);
    for (const item of body.items) {
      assert.equal(topicOf.get(item.id), 1, `${item.id} is a speech paper like the upvoted ones`);
      assert.equal(item.because[0]!.kind, 'upvoted');
      assert.match(item.explanation, /^because you upvoted “/);
    }
  });

  it('shows recommendations with score and explanation, newest first or by score, and learns from "not interested"', async () => {
    const c = await reader('page@example.org');
    for (const id of SPEECH.slice(0, 2)) await c.form(`/papers/${id}/save`, { on: '1' });
    await c.form(`/papers/${SPEECH[2]}/vote`, { on: '1' });
    const html = await (await c.request('/for-you?days=7')).text();
    assert.match(html, /Recommendations based on 2 saved papers and 1 upvote\./);
    assert.match(html, /<a href="\/for-you\?days=1&amp;sort=score">Last day<\/a>/);
    assert.match(html, /<p class="reason">Score -?\d+\.\d\d · because you (saved|upvoted) “[^”]+”/);
    assert.match(html, /<h2 id="starters-h">Rate a few more<\/h2>/, 'three likes are not enough yet: more papers to rate');
    const page = await recommendations(c, 'days=7&limit=25');
    // The window (2026-02-17 to 2026-02-23) holds two papers per topic: the speech ones first.
    assert.deepEqual(page.items.slice(0, 2).map((i) => topicOf.get(i.id)), [1, 1]);
    const newest = await recommendations(c, 'days=7&limit=25&sort=newest');
    assert.deepEqual(newest.items.map((i) => i.date), [...newest.items.map((i) => i.date)].sort().reverse());
    assert.deepEqual(new Set(newest.items.map((i) => i.id)), new Set(page.items.map((i) => i.id)));

    // "Not interested" on the top one: it is hidden, leaves the page and counts as a dislike.
    const top = page.items[0]!.id;
    assert.match(html, new RegExp(`action="/papers/${top}/hide"><input type="hidden" name="_csrf" value="[^"]+"/><input type="hidden" name="on" value="1"/><input type="hidden" name="back" value="/for-you\\?days=7"/><button type="submit" class="small" aria-pressed="false">Not interested</button>`));
    assert.equal((await c.form(`/papers/${top}/hide`, { on: '1', back: '/for-you?days=7' })).headers.get('location'), '/for-you?days=7');
    const after = await recommendations(c, 'days=7&limit=25');
    assert.ok(!after.items.some((i) => i.id === top));
    assert.equal(after.basedOn.hidden, 1);
    assert.match(after.summary, /less like 1 hidden paper/);
  });

  it('takes a reader\'s own papers from pasted ids or an uploaded BibTeX file as likes', async () => {
    const c = await reader('author@example.org');
    const bib = `@misc{mine1, title={One}, eprint={${GALAXIES[0]}}, archivePrefix={arXiv}}\n@article{mine2, journal={arXiv preprint arXiv:${GALAXIES[1]}v2}}\n@book{old, title={A book}}\n@misc{elsewhere, eprint={2301.00001}}`;
    const form = new FormData();
    form.set('_csrf', c.csrf);
    form.set('bibtexFile', new Blob([bib], { type: 'text/x-bibtex' }), 'mine.bib');
    form.set('papers', `${GALAXIES[2]}, not-an-id`);
    const res = await c.request('/for-you/my-papers', { method: 'POST', body: form });
    assert.equal(res.status, 200, await res.clone().text());
    const html = await res.text();
    assert.match(html, new RegExp(`3 papers added to your papers: ${GALAXIES[2]}, ${GALAXIES[0]}, ${GALAXIES[1]}\\.`));
    assert.match(html, /Not in this database \(yet\): 2301\.00001\./);
    assert.match(html, /BibTeX entries without an arXiv id \(left out\): old\./);
    assert.match(html, /Not paper ids \(left out\): not-an-id\./);
    const body = await recommendations(c);
    assert.deepEqual(body.basedOn, { saved: 0, upvoted: 0, mine: 3, hidden: 0, withoutEmbedding: 0 });
    assert.equal(body.summary, 'based on 3 papers of your own');
    for (const item of body.items) {
      assert.equal(topicOf.get(item.id), 2);
      assert.match(item.explanation, /^because your paper “/);
    }
    const empty = await c.form('/for-you/my-papers', { papers: '  ' });
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /field papers: paste arXiv ids or a BibTeX file/);
    assert.equal((await c.api('PUT', `/api/my-papers/${GALAXIES[3]}`)).status, 200, 'the API adds one too');
    assert.equal((await recommendations(c)).basedOn.mine, 4);
  });

  it('serves a private feed to whoever has its signed URL, refuses it forged, and once revoked', async () => {
    const c = await reader('feed@example.org');
    for (const id of SPEECH.slice(0, 3)) await c.form(`/papers/${id}/save`, { on: '1' });
    const page = await c.request('/for-you');
    assert.equal(page.headers.get('cache-control'), 'private, no-store');
    const html = await page.text();
    const url = /<input id="feed-url" class="feed-url" type="text" readonly="" value="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
    assert.ok(url.startsWith(`${BASE_URL}/feeds/for-you.atom?token=`), url);
    const feed = await t.app.request(url); // no cookie: the token is the authority
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type')!, /application\/atom\+xml/);
    assert.equal(feed.headers.get('cache-control'), 'private, max-age=300');
    const atom = await feed.text();
    assert.match(atom, /<title>Paperboy: for you<\/title>/);
    assert.match(atom, /because you saved “/);
    assert.equal((atom.match(/<entry>/g) ?? []).length, 6, 'every paper of the last week (2026-02-17 to 2026-02-23)');

    const token = new URL(url).searchParams.get('token')!;
    const forged = token.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
    const refused = await t.app.request(`${BASE_URL}/feeds/for-you.atom?token=${encodeURIComponent(forged)}`);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /parameter token: this private feed address is not valid \(altered or forged\)/);
    const missing = await t.app.request(`${BASE_URL}/feeds/for-you.atom`);
    assert.equal(missing.status, 400, 'no token');
    assert.deepEqual((await missing.json() as { error: { parameter: string } }).error.parameter, 'token');
    assert.equal((await t.app.request(`${BASE_URL}/feeds/for-you.rss?token=`)).status, 400, 'an empty token');

    assert.equal((await c.form('/for-you/feed', {})).headers.get('location'), '/for-you#feed');
    const revoked = await t.app.request(url);
    assert.equal(revoked.status, 403);
    assert.match(await revoked.text(), /parameter token: this private feed address was revoked: copy the new one from your “For you” page/);
    const renewed = /value="(http:\/\/paperboy\.test\/feeds\/for-you\.atom\?token=[^"]+)"/.exec(await (await c.request('/for-you')).text())![1]!.replaceAll('&amp;', '&');
    assert.notEqual(renewed, url);
    assert.equal((await t.app.request(renewed)).status, 200);
    // The account is deleted (its rows go): its feed is refused, as revoked.
    await t.sql('DELETE FROM users WHERE email = ?', ['feed@example.org']);
    const gone = await t.app.request(renewed);
    assert.equal(gone.status, 403, 'a deleted reader\'s feed');
    assert.match(await gone.text(), /parameter token: this private feed address was revoked/);
  });
});

describe('"For you" under rate limits', () => {
  it('limits the page, the API and the private feed like searches (each ranks a window)', async () => {
    const { t } = await recsApp({ rateLimits: { search: { capacity: 2, perMinute: 1 } } });
    const c = client(t.app);
    await signIn(c, t.mailer as never, 'limited@example.org');
    const feed = /<input id="feed-url" class="feed-url" type="text" readonly="" value="([^"]+)"/.exec(await (await c.request('/for-you')).text())![1]!.replaceAll('&amp;', '&');
    assert.equal((await c.request('/api/recommendations')).status, 200);
    for (const path of ['/for-you', '/api/recommendations', feed]) {
      const res = path === feed ? await t.app.request(feed) : await c.request(path); // the feed: no cookie, same client address
      assert.equal(res.status, 429, path);
      assert.ok(res.headers.get('retry-after'), path);
    }
  });
});
