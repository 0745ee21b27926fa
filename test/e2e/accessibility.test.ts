import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { fixture } from '../helpers.ts';
import { SHOTS, startService } from './service.ts';

// store-independent: layout, contrast and landmarks of the pages; the same pages come from either store.
// axe-core is injected as a script: the pages' CSP forbids it, so the test contexts bypass CSP.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = [{ width: 1366, height: 900 }, { width: 390, height: 844 }] as const;
const SCHEMES = ['light', 'dark'] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Serious and critical axe-core violations of the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('; ')}`);
}

describe('accessibility and layout of every page, light and dark, desktop and phone', () => {
  let service: Awaited<ReturnType<typeof startService>>;
  let preferences = '';
  let signedIn: BrowserContextOptions['storageState'];

  before(async () => {
    service = await startService([fixture('web-papers.jsonl'), fixture('web-math.jsonl')]);
    const context = await service.browser.newContext();
    const page = await context.newPage();
    // A signed-in reader (the library page) ...
    await page.goto(`${service.baseUrl}/signin?next=/library`);
    await page.fill('#email', 'a11y@example.org');
    await page.locator('main form button[type=submit]').click();
    const signInMail = await service.smtp.waitFor('a11y@example.org');
    await page.goto(/(http:\/\/\S+\/auth\/verify\?token=[\w-]+)/.exec(signInMail.parsed.text ?? '')![1]!);
    await page.locator('main form button[type=submit]').click();
    await page.waitForURL(/\/library$/);
    await page.goto(`${service.baseUrl}/papers/2401.00202`);
    await page.locator('.paper-actions').getByRole('button', { name: 'Save' }).click();
    await page.locator('.paper-actions').getByRole('button', { name: 'Saved ✓' }).waitFor();
    signedIn = await context.storageState();
    // ... and a confirmed digest subscriber (the preferences page, reached by its signed link).
    const before = service.smtp.received.length;
    await page.goto(`${service.baseUrl}/subscribe`);
    await page.fill('#sub-email', 'digest-a11y@example.org');
    await page.locator('main form button[type=submit]').first().click();
    const confirmMail = await service.smtp.waitFor('digest-a11y@example.org', before);
    await page.goto(/(http:\/\/\S+\/subscribe\/confirm\?token=[\w.~-]+)/.exec(confirmMail.parsed.text ?? '')![1]!);
    await page.locator('main form button[type=submit]').first().click();
    await page.waitForURL(/\/preferences\?token=/);
    preferences = new URL(page.url()).pathname + new URL(page.url()).search;
    await context.close();
  });

  after(async () => {
    await service?.stop();
  });

  const PAGES = () => [
    ['trending', '/?period=month'],
    ['daily', '/daily?date=2024-01-10'],
    ['search', '/search?q=retrieval'],
    ['paper', '/papers/2401.00201'],
    ['signin', '/signin'],
    ['library', '/library'],
    ['for-you', '/for-you'],
    ['subscribe', '/subscribe'],
    ['preferences', preferences],
    ['not-found', '/papers/2401.99999'],
  ] as const;

  it('has no serious or critical axe-core violations, and leaves a screenshot of each page at 1366 and 390 px', async () => {
    const failures: string[] = [];
    for (const viewport of WIDTHS) {
      for (const colorScheme of SCHEMES) {
        const context = await service.browser.newContext({ viewport, colorScheme, bypassCSP: true, storageState: signedIn });
        const page = await context.newPage();
        for (const [name, path] of PAGES()) {
          await page.goto(`${service.baseUrl}${path}`);
          for (const v of await seriousViolations(page)) failures.push(`${name} ${viewport.width}px ${colorScheme}: ${v}`);
          await page.screenshot({ path: join(SHOTS, `${name}-${viewport.width}-${colorScheme}.png`), fullPage: true });
        }
        await context.close();
      }
    }
    assert.deepEqual(failures, []);
  });

  it('shows one query box on a phone\'s search page, filters folded, and the first result near the top', async () => {
    const context = await service.browser.newContext({ viewport: WIDTHS[1] });
    const page = await context.newPage();
    await page.goto(`${service.baseUrl}/search?q=retrieval`);
    assert.equal(await page.locator('input[type=search]:visible').count(), 1);
    assert.equal(await page.locator('fieldset.filters').isVisible(), false);
    const first = await page.locator('li.paper').first().boundingBox();
    assert.ok(first && first.y < 400, `first result starts ${first?.y}px down`);
    await page.locator('label[for=filters-toggle]').click();
    assert.equal(await page.locator('fieldset.filters').isVisible(), true, 'the toggle opens the filters without script');
    await page.screenshot({ path: join(SHOTS, 'search-filters-open-390.png') });
    await context.close();
  });

  it('without JavaScript: no "Copy BibTeX" button, and a vote from a list comes back to its card', async () => {
    const context = await service.browser.newContext({ javaScriptEnabled: false, storageState: signedIn, viewport: { width: 1366, height: 500 } });
    const page = await context.newPage();
    await page.goto(`${service.baseUrl}/papers/2401.00201`);
    assert.equal(await page.locator('button.copy').isVisible(), false);
    await page.goto(`${service.baseUrl}/daily?date=2024-01-10`);
    const card = page.locator('li.paper[id="p-2401.00104"]');
    await card.locator('button.vote').click();
    await page.waitForURL(/#p-2401\.00104$/);
    assert.equal(await card.locator('button.vote').getAttribute('aria-pressed'), 'true');
    assert.ok((await page.evaluate('window.scrollY')) as number > 0, 'scrolled to the card, not the top');
    await context.close();
  });
});
