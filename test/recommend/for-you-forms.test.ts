import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MY_PAPERS_MAX } from '../../src/app/for-you-service.ts';
import { DEFAULT_PREFERENCES } from '../../src/app/digests.ts';
import { client, signIn } from '../app-helpers.ts';
import { recsApp, topicIds } from './recs-app.ts';

const GALAXIES = topicIds(2);
type C = ReturnType<typeof client>;

/** A multipart form with the client's CSRF token (unless `csrf` is false) and the given fields (a Blob is a file). */
function multipart(c: C, fields: [string, string | Blob][], csrf = true): FormData {
  const form = new FormData();
  if (csrf) form.set('_csrf', c.csrf);
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, `${name}.bib`);
  }
  return form;
}
const bibFile = (text: string) => new Blob([text], { type: 'text/x-bibtex' });
const post = (c: C, path: string, body: FormData | URLSearchParams, headers: Record<string, string> = {}) => c.request(path, { method: 'POST', body, headers });

describe('"For you" forms: sign-in, CSRF, uploads', () => {
  let t: Awaited<ReturnType<typeof recsApp>>['t'];
  before(async () => {
    ({ t } = await recsApp({ rateLimits: null }));
  });
  const reader = async (email: string) => {
    const c = client(t.app);
    await signIn(c, t.mailer as never, email);
    return c;
  };

  it('refuses the POSTs without the CSRF token, and signed out (401 to API clients)', async () => {
    const c = await reader('csrf@example.org');
    for (const [path, body] of [
      ['/for-you/feed', new URLSearchParams({})],
      ['/for-you/my-papers', multipart(c, [['papers', GALAXIES[0]!], ['bibtexFile', bibFile(`@misc{a, eprint={${GALAXIES[1]}}}`)]], false)],
    ] as const) {
      const res = await post(c, path, body);
      assert.equal(res.status, 403, path);
      assert.match(await res.text(), /missing or invalid CSRF token/, path);
    }
    assert.deepEqual((await t.catalog.list('mine', (await t.accountStore.findOrCreateUser('csrf@example.org', '2024-01-10T00:00:00Z')).id, 10, 0)).items, [], 'nothing was added');

    const out = client(t.app);
    await out.session();
    for (const path of ['/for-you/feed', '/for-you/my-papers']) {
      const json = await out.request(path, { method: 'POST', headers: { accept: 'application/json', 'x-csrf-token': out.csrf, 'content-type': 'application/x-www-form-urlencoded' }, body: `papers=${GALAXIES[0]}` });
      assert.equal(json.status, 401, path);
      assert.match(await json.text(), /sign in first/);
      const page = await out.form(path, { papers: GALAXIES[0]! });
      assert.equal(page.status, 403, `${path}: pages answer 403 with the message`);
      assert.match(await page.text(), /sign in first/);
    }
  });

  it('refuses renew-feed on the preferences page without the CSRF token', async () => {
    const c = await reader('prefs-csrf@example.org');
    const user = await t.accountStore.findOrCreateUser('prefs-csrf@example.org', '2024-01-10T00:00:00Z');
    await t.subscriptions.requestSubscription({ email: 'prefs-csrf@example.org', tokenHash: 'p'.repeat(64), now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: user.id });
    const subscriber = (await t.subscriptions.confirm('p'.repeat(64), '2024-01-10T01:00:00Z'))!;
    const token = t.digests.preferencesToken(subscriber.id);
    const res = await post(c, '/preferences', new URLSearchParams({ token, action: 'renew-feed' }));
    assert.equal(res.status, 403);
    assert.match(await res.text(), /missing or invalid CSRF token/);
    assert.equal((await t.accountStore.feedGeneration(user.id)), 0, 'the feed was not renewed');
  });

  it('takes the BibTeX file only in its own field, once, on its own route', async () => {
    const c = await reader('files@example.org');
    const bib = bibFile(`@misc{a, eprint={${GALAXIES[0]}}}`);
    const other = await post(c, '/for-you/my-papers', multipart(c, [['papers', bib]]));
    assert.equal(other.status, 400);
    assert.match(await other.text(), /field papers: files are not accepted here/);
    const twice = await post(c, '/for-you/my-papers', multipart(c, [['bibtexFile', bib], ['bibtexFile', bib]]));
    assert.equal(twice.status, 400);
    assert.match(await twice.text(), /field bibtexFile: one file at most/);
    // Another form (and its CSRF check) does not take the file field of "my papers".
    const elsewhere = await post(c, '/subscribe', multipart(c, [['email', 'files@example.org'], ['bibtexFile', bib]]));
    assert.equal(elsewhere.status, 400);
    assert.match(await elsewhere.text(), /field bibtexFile: files are not accepted here/);
    const unrelated = await post(c, '/for-you/feed', multipart(c, [['bibtexFile', bib]]));
    assert.equal(unrelated.status, 400);
  });

  it('takes a BibTeX file past the 64 KiB of other forms, and refuses one past 1 MiB naming the field', async () => {
    const c = await reader('big@example.org');
    const abstract = 'An abstract of some length. '.repeat(40);
    const entries = Array.from({ length: 120 }, (_, i) => `@article{e${i}, title={Paper ${i}}, abstract={${abstract}}${i === 0 ? `, eprint={${GALAXIES[4]}}` : ''}}`).join('\n');
    assert.ok(entries.length > 100 * 1024, `${entries.length} bytes`);
    const ok = await post(c, '/for-you/my-papers', multipart(c, [['bibtexFile', bibFile(entries)]]));
    assert.equal(ok.status, 200, await ok.clone().text());
    const html = await ok.text();
    assert.match(html, new RegExp(`1 paper added to your papers: ${GALAXIES[4]}\\.`));
    assert.match(html, /BibTeX entries without an arXiv id \(left out\): e1, e2, [^<]*e20 and 99 more\./, 'twenty names at most');

    const huge = await post(c, '/for-you/my-papers', multipart(c, [['bibtexFile', bibFile('x'.repeat(1024 * 1024 + 1))]]));
    assert.equal(huge.status, 413);
    assert.match(await huge.text(), /field bibtexFile: the file is too large \(the whole form may be at most 1024 KiB\)/);
    const form = await post(c, '/for-you/feed', new URLSearchParams({ _csrf: c.csrf, pad: 'x'.repeat(70 * 1024) }), { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 413, 'other forms keep their limit');
  });

  it('adds each id once across the text box and the file, and says when ids past the cap were left out', async () => {
    const c = await reader('many@example.org');
    const both = await post(c, '/for-you/my-papers', multipart(c, [['papers', `${GALAXIES[5]} ${GALAXIES[6]}`], ['bibtexFile', bibFile(`@misc{a, eprint={${GALAXIES[5]}}}`)]]));
    assert.match(await both.text(), new RegExp(`2 papers added to your papers: ${GALAXIES[5]}, ${GALAXIES[6]}\\.`), 'an id in both counts once');

    const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `2301.${String(from + i).padStart(5, '0')}`);
    const pasted = [GALAXIES[7]!, ...ids(1, 349)];
    const filed = ids(1000, 300).map((id, i) => `@misc{f${i}, eprint={${id}}}`).join('\n');
    const res = await post(c, '/for-you/my-papers', multipart(c, [['papers', pasted.join('\n')], ['bibtexFile', bibFile(filed)]]));
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, new RegExp(`1 paper added to your papers: ${GALAXIES[7]}\\.`));
    assert.match(html, /Not in this database \(yet\): 2301\.00001, [^<]* and 479 more\./, 'twenty unknown ids named at most');
    assert.match(html, new RegExp(`Only the first ${MY_PAPERS_MAX} ids are read at once: ${650 - MY_PAPERS_MAX} more were left out`));
  });
});
