import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recsDataDir } from '../recommend/recs-data.ts';
import { topicIds } from '../recommend/recs-app.ts';
import { SHOTS, startService } from './service.ts';

const SPEECH = topicIds(1);

describe('"For you" in headless Chromium, against the real service', () => {
  let service: Awaited<ReturnType<typeof startService>>;
  before(async () => {
    // recs-papers.jsonl with a synthetic embedding per paper (three topics), served by `paperboy serve`.
    const data = await recsDataDir();
    service = await startService([], data);
  });
  after(async () => {
    await service?.stop();
  });

  it('signs in, rates three papers, opens "For you" and sees recommendations with their explanations', async () => {
    const context = await service.browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const base = service.baseUrl;

    const mailsBefore = service.smtp.received.length;
    await page.goto(`${base}/signin?next=/for-you`);
    await page.fill('#email', 'taste@example.org');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByText('Check your inbox').waitFor();
    const mail = await service.smtp.waitFor('taste@example.org', mailsBefore);
    await page.goto(/(http:\/\/\S+\/auth\/verify\?token=[\w-]+)/.exec(mail.parsed.text ?? '')![1]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/for-you$/);
    // Nothing rated yet: the cold-start page.
    await page.getByRole('heading', { name: 'Tell Paperboy what you read' }).waitFor();
    assert.match((await page.locator('.based-on').textContent())!, /based on nothing yet/);

    // Rate three speech papers on their pages: save two, upvote one.
    for (const id of SPEECH.slice(0, 2)) {
      await page.goto(`${base}/papers/${id}`);
      await page.locator('.paper-actions').getByRole('button', { name: 'Save' }).click();
      await page.locator('.paper-actions').getByRole('button', { name: 'Saved ✓' }).waitFor();
    }
    await page.goto(`${base}/papers/${SPEECH[2]}`);
    await page.locator('.paper-actions button.vote').click();
    await page.locator('.paper-actions button.vote[aria-pressed="true"]').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'For you' }).click();
    await page.waitForURL(/\/for-you$/);
    assert.equal(await page.locator('.based-on').textContent(), 'Recommendations based on 2 saved papers and 1 upvote.');
    const cards = page.locator('main > ol.papers > li.paper');
    assert.ok((await cards.count()) > 0, 'recommendations are listed');
    const reasons = await page.locator('main > ol.papers > li.paper p.reason').allTextContents();
    assert.equal(reasons.length, await cards.count());
    for (const reason of reasons) assert.match(reason, /^Score -?\d+\.\d\d · because you (saved|upvoted) “.+”/);
    // The week's speech papers (2026-02-19 and 2026-02-23) come first.
    const firstTwo = [await cards.nth(0).getAttribute('id'), await cards.nth(1).getAttribute('id')].sort();
    assert.deepEqual(firstTwo, [`p-${SPEECH[12]}`, `p-${SPEECH[13]}`]);
    assert.equal(await cards.first().getByRole('button', { name: 'Not interested' }).count(), 1);
    await page.getByRole('heading', { name: 'Rate a few more' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'for-you.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
