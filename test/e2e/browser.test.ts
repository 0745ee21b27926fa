import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { fixture } from '../helpers.ts';
import { SHOTS, startService } from './service.ts';

describe('in headless Chromium, against the real service', () => {
  let service: Awaited<ReturnType<typeof startService>>;
  let baseUrl: string;
  const problems: string[] = [];

  before(async () => {
    service = await startService([fixture('web-papers.jsonl')]);
    baseUrl = service.baseUrl;
  });

  after(async () => {
    await service?.stop();
  });

  const open = async (viewport = { width: 1200, height: 900 }) => {
    const context = await service.browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('dialog', (d) => {
      problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('searches, opens a paper, signs in through the emailed link, upvotes and saves', async () => {
    const page = await open();
    await page.goto(`${baseUrl}/`);
    assert.equal(await page.locator('h1').textContent(), 'Trending papers');
    await shot(page, 'trending');

    await page.fill('#site-q', 'retrieval');
    await page.press('#site-q', 'Enter');
    await page.waitForURL(/\/search\?q=retrieval/);
    const titles = await page.locator('li.paper .title').allTextContents();
    assert.ok(titles.includes('Sparse retrieval with learned term weights'), titles.join(' | '));
    assert.ok((await page.locator('li.paper mark').count()) > 0, 'matched terms are highlighted');
    await shot(page, 'search');

    await page.getByRole('link', { name: 'Sparse retrieval with learned term weights' }).click();
    await page.waitForURL(/\/papers\/2401\.00101$/);
    assert.equal(await page.locator('h1').textContent(), 'Sparse retrieval with learned term weights');
    assert.ok((await page.locator('.abstract math').count()) > 0, 'LaTeX is rendered as MathML');
    await shot(page, 'paper');

    // Sign in: the link arrives by SMTP.
    const mailsBefore = service.smtp.received.length;
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.fill('#email', 'reader@example.org');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByText('Check your inbox').waitFor();
    const mail = await service.smtp.waitFor('reader@example.org', mailsBefore);
    assert.equal(mail.parsed.subject, 'Your Paperboy sign-in link');
    const link = /(http:\/\/\S+\/auth\/verify\?token=[\w-]+)/.exec(mail.parsed.text ?? '')![1]!;
    await page.goto(link);
    await shot(page, 'verify');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/papers\/2401\.00101$/);
    assert.equal(await page.locator('.who').textContent(), 'reader@example.org');

    // Upvote in place (script) and check it persisted.
    const vote = page.locator('.paper-actions button.vote');
    assert.equal(await vote.getAttribute('aria-pressed'), 'false');
    await vote.click();
    // A locator, not a string predicate: polling a string evaluates it in the page, which the CSP forbids.
    await page.locator('.paper-actions button.vote[aria-pressed="true"]').waitFor();
    assert.equal(await page.locator('.paper-actions button.vote .count').textContent(), '1');
    await page.reload();
    assert.equal(await page.locator('.paper-actions button.vote .count').textContent(), '1');
    assert.equal(await page.locator('.paper-actions button.vote').getAttribute('aria-pressed'), 'true');

    await page.locator('.paper-actions').getByRole('button', { name: 'Save' }).click();
    await page.locator('.paper-actions').getByRole('button', { name: 'Saved ✓' }).waitFor();
    await page.goto(`${baseUrl}/library`);
    assert.deepEqual(await page.locator('li.paper .title').allTextContents(), ['Sparse retrieval with learned term weights']);
    await shot(page, 'library');

    await page.goto(`${baseUrl}/daily?date=2024-01-09`);
    await shot(page, 'daily');
    assert.deepEqual(problems, []);
  });

  it('renders a paper titled <img src=x onerror=alert(1)> inert', async () => {
    const page = await open();
    await page.goto(`${baseUrl}/papers/2401.00103`);
    assert.equal(await page.locator('h1').textContent(), '<img src=x onerror=alert(1)>');
    assert.equal(await page.locator('main img').count(), 0);
    await page.goto(`${baseUrl}/search?q=onerror&mode=keyword`);
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('li.paper .title').first().textContent(), '<img src=x onerror=alert(1)>');
    await shot(page, 'xss-paper');
    assert.deepEqual(problems, []);
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const page = await open({ width: 375, height: 740 });
    await page.goto(`${baseUrl}/search?q=retrieval`);
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await shot(page, 'search-phone');
    assert.deepEqual(problems, []);
  });
});
