import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as S from '../../src/http/api-schemas.ts';
import { client, signIn } from '../app-helpers.ts';
import { TOPIC_OF } from './recs-data.ts';
import { recsApp } from './recs-app.ts';

type Json = ReturnType<typeof S.RecommendationsBody.parse>;

describe('GET /api/recommendations', () => {
  let t: Awaited<ReturnType<typeof recsApp>>['t'];
  let topicOf: Map<string, number>;
  before(async () => {
    ({ t, topicOf } = await recsApp());
  });

  it('asks for a sign-in, then says what to do before anything is saved', async () => {
    assert.equal((await t.app.request('/api/recommendations')).status, 401);
    const c = client(t.app);
    await signIn(c, t.mailer as never, 'cold@example.org');
    const body = S.RecommendationsBody.parse(await (await c.request('/api/recommendations')).json());
    assert.deepEqual(body.items, []);
    assert.match(body.notice!, /save or upvote a few papers/);
    assert.equal(body.coldStart, true);
  });

  it('ranks the saved papers\' topic first, leaves out saved and hidden papers, and explains each result', async () => {
    const c = client(t.app);
    await signIn(c, t.mailer as never, 'reader@example.org');
    for (const id of ['2601.90015', '2601.90016']) {
      const put = await c.api('PUT', `/api/library/${id}`);
      assert.equal(put.status, 200, await put.text());
    }
    assert.equal((await c.api('PUT', '/api/hidden/2601.90029')).status, 200);
    const res = await c.request('/api/recommendations?days=31&limit=5');
    assert.equal(res.status, 200, await res.clone().text());
    const body: Json = S.RecommendationsBody.parse(await res.json());
    assert.deepEqual(body.basedOn, { saved: 2, upvoted: 0, mine: 0, hidden: 1, withoutEmbedding: 0 });
    assert.equal(body.summary, 'based on 2 saved papers, less like 1 hidden paper');
    assert.equal(body.notice, null);
    assert.equal(body.items.length, 5);
    assert.deepEqual(body.window, { from: '2026-01-24', to: '2026-02-23' });
    assert.deepEqual(new Set(body.items.map((i) => topicOf.get(i.id))), new Set([TOPIC_OF['eess.AS']]));
    for (const item of body.items) {
      assert.ok(!['2601.90015', '2601.90016', '2601.90029'].includes(item.id));
      assert.ok(['2601.90015', '2601.90016'].includes(item.because[0]!.id));
      assert.equal(item.because[0]!.kind, 'saved');
      assert.match(item.explanation, /^because you saved “/);
      assert.ok(item.url.endsWith(`/papers/${item.id}`));
    }
    const bad = await c.request('/api/recommendations?days=0');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /days/);
  });
});
