import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSmtpMailer } from '../src/adapters/mail/smtp-mailer.ts';
import { BASE_URL, client, signIn, testApp } from './app-helpers.ts';
import { fixture, tempDir } from './helpers.ts';
import { startSmtpServer } from './smtp-server.ts';

const confirmToken = (text: string) => /subscribe\/confirm\?token=([\w-]+)/.exec(text)![1]!;
/** Queues the subscription and waits until its confirmation mail (if any) went out. */
async function subscribe(t: Awaited<ReturnType<typeof testApp>>, email: string) {
  t.digests.subscribe(email);
  await t.mailQueue.idle();
}

describe('e-mail digests against a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const refused = new Map<string, number>();
  before(async () => {
    smtp = await startSmtpServer({ reply: (to) => (refused.has(to) ? { code: refused.get(to)!, message: refused.get(to)! >= 500 ? 'mailbox unavailable' : 'try again later' } : null) });
  });
  after(() => smtp.close());
  const mailer = () => createSmtpMailer({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'Paperboy <digest@paperboy.test>' });

  it('subscribe -> confirm -> preferences -> digest with headers -> one-click unsubscribe -> no more mail', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, mailer: mailer() });
    const c = client(t.app);
    await c.session();
    const start = smtp.received.length;
    const page = await c.form('/subscribe', { email: 'Alice@Example.org' });
    assert.equal(page.status, 200);
    const neutral = await page.text();
    assert.match(neutral, /If the address can receive mail/);
    const confirmation = await smtp.waitFor('alice@example.org', start);
    assert.equal(confirmation.parsed.subject, 'Confirm your Paperboy digest subscription');
    // A second request while one is pending sends nothing, and answers the same.
    assert.equal(await (await c.form('/subscribe', { email: 'alice@example.org' })).text(), neutral);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(smtp.received.filter((m) => m.envelopeTo.includes('alice@example.org')).length, 1, 'at most one pending confirmation');

    // Nothing but the confirmation before the link is followed.
    assert.equal((await t.digests.plan({ date: '2024-01-10' })).planned, 0);

    const token = confirmToken(confirmation.parsed.text ?? '');
    assert.equal((await c.request(`/subscribe/confirm?token=${token}`)).status, 200, 'opening the link only shows a button');
    const confirmed = await c.form('/subscribe/confirm', { token });
    assert.equal(confirmed.status, 303);
    const prefsPath = confirmed.headers.get('location')!;
    const prefsToken = new URL(prefsPath, BASE_URL).searchParams.get('token')!;
    assert.match(await (await c.request(prefsPath)).text(), /Digest preferences/);
    assert.equal((await c.form('/preferences', { token: prefsToken, action: 'add-topic', kind: 'search', query: 'retrieval', category: '', frequency: 'daily' })).status, 303);
    assert.equal((await c.form('/preferences', { token: prefsToken, action: 'save', dailyTrending: '1', sendHour: '8', timeZone: 'Europe/Paris', maxPapers: '4' })).status, 303);
    const bad = await c.form('/preferences', { token: prefsToken, action: 'save', sendHour: '8', timeZone: 'Mars/Olympus', maxPapers: '4' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /field timeZone: must be an IANA time zone/);

    const before = smtp.received.length;
    assert.deepEqual(await t.digests.plan({ date: '2024-01-10' }), { planned: 1, empty: 0, skipped: 0, previews: [] });
    assert.deepEqual(await t.digests.send(), { sent: 1, retried: 0, failed: 0 });
    const digest = await smtp.waitFor('alice@example.org', before);
    const p = digest.parsed;
    assert.equal(p.subject, 'Paperboy: 4 papers for Wed, 10 Jan 2024');
    assert.ok(p.text && p.html, 'plain-text and HTML parts');
    assert.match(p.text!, /== Trending papers ==/);
    assert.match(p.text!, /== Matches for “retrieval” ==/);
    assert.match(p.text!, /http:\/\/paperboy\.test\/papers\/2401\.00101 {2}\| {2}arXiv: https:\/\/arxiv\.org\/abs\/2401\.00101/);
    assert.match(p.messageId ?? '', /^<digest\.\d+\.2024-01-10\.[0-9a-f]{12}@paperboy\.test>$/);
    assert.ok(p.date instanceof Date);
    const rawHeaders = digest.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
    const listUnsubscribe = /^List-Unsubscribe: (.*)$/m.exec(rawHeaders)![1]!;
    assert.equal(/^List-Unsubscribe-Post: (.*)$/m.exec(rawHeaders)![1], 'List-Unsubscribe=One-Click');
    const httpsUrl = /<(http:\/\/paperboy\.test\/unsubscribe\?token=[^>]+)>/.exec(listUnsubscribe)![1]!;
    assert.match(listUnsubscribe, /<mailto:unsubscribe@paperboy\.test\?subject=unsubscribe%20[\w.-]+>/);
    assert.ok(!p.html!.includes('<script'), 'escaped');
    // The view-in-browser link shows the same digest.
    const view = /View in your browser: (\S+)/.exec(p.text!)![1]!;
    assert.match(await (await c.request(view.replace(BASE_URL, ''))).text(), /Matches for “retrieval”/);

    // Idempotent: running again for the same day sends nothing.
    assert.equal((await t.digests.plan({ date: '2024-01-10' })).planned, 0);
    assert.equal((await t.digests.send()).sent, 0);

    // Never the same paper twice: a new version of a sent paper stays out, a new paper comes in.
    const file = join(tempDir(), 'next.jsonl');
    writeFileSync(file, [
      JSON.stringify({ id: '2401.00101v2', title: 'Sparse retrieval with learned term weights (v2)', abstract: 'Revised retrieval.', authors: ['Ada Lovelace'], categories: ['cs.IR'], announcedAt: '2024-01-11' }),
      JSON.stringify({ id: '2401.00201', title: 'Dense retrieval for long documents', abstract: 'Retrieval over long documents.', authors: ['Grace Hopper'], categories: ['cs.IR'], announcedAt: '2024-01-11' }),
    ].join('\n'));
    await t.importFiles([file]);
    await (await t.searchService()).refresh();
    const sentBefore = new Set(JSON.parse(JSON.stringify((await t.subscriptions.digestFor(1, '2024-01-10'))!.paperIds)) as string[]);
    t.clock.set('2024-01-11T12:00:00Z');
    assert.equal((await t.digests.plan({ date: '2024-01-11' })).planned, 1);
    const second = (await t.subscriptions.digestFor(1, '2024-01-11'))!;
    assert.ok(second.paperIds.includes('2401.00201'));
    assert.ok(!second.paperIds.some((id) => sentBefore.has(id)), `no repeats: ${second.paperIds.join(', ')}`);
    const beforeSecond = smtp.received.length;
    await t.digests.send();
    await smtp.waitFor('alice@example.org', beforeSecond);

    // Forged or altered tokens are refused; the real one-click POST (no cookies, RFC 8058) works.
    const altered = httpsUrl.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    const forged = await t.app.request(altered, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(forged.status, 403);
    const oneClick = await t.app.request(httpsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(oneClick.status, 200);
    assert.equal((await t.subscriptions.findSubscriber('alice@example.org'))?.status, 'unsubscribed');
    t.clock.set('2024-01-12T12:00:00Z');
    const last = smtp.received.length;
    assert.equal((await t.digests.plan({ date: '2024-01-12' })).planned, 0);
    await t.digests.send();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(smtp.received.slice(last).filter((m) => m.envelopeTo.includes('alice@example.org')).length, 0, 'no more mail');
    await t.mailer.close();
  });

  it('refuses header injection through the address and keeps topics out of headers', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, mailer: mailer() });
    const c = client(t.app);
    await c.session();
    const res = await c.api('POST', '/api/subscriptions', { email: 'eve@example.org\r\nBcc: victim@example.org' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { parameter: string } }).error.parameter, 'email');
    await subscribe(t, 'bob@example.org');
    const mail = await smtp.waitFor('bob@example.org');
    await t.digests.confirm(confirmToken(mail.parsed.text ?? ''));
    await t.subscriptions.addTopic({ subscriberId: (await t.subscriptions.findSubscriber('bob@example.org'))!.id, kind: 'search', query: 'retrieval\r\nBcc: victim@example.org <script>', filters: {}, frequency: 'daily', createdAt: '2024-01-10T00:00:00Z' }, 20);
    const before = smtp.received.length;
    await t.digests.plan({ date: '2024-01-10', email: 'bob@example.org' });
    await t.digests.send();
    const digest = await smtp.waitFor('bob@example.org', before);
    assert.equal(digest.parsed.bcc, undefined);
    assert.ok(!smtp.received.some((m) => m.envelopeTo.includes('victim@example.org')));
    assert.ok(digest.parsed.html && !digest.parsed.html.includes('<script>'));
    await t.mailer.close();
  });

  it('retries 421 with backoff, counts 550 towards undeliverable, and stops mailing such an address', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, mailer: mailer(), digest: { maxPermanentFailures: 2 } });
    for (const email of ['ok@example.org', 'busy@example.org', 'gone@example.org']) {
      const before = smtp.received.length;
      await subscribe(t, email);
      await t.digests.confirm(confirmToken((await smtp.waitFor(email, before)).parsed.text ?? ''));
    }
    refused.set('busy@example.org', 421);
    refused.set('gone@example.org', 550);
    await t.digests.plan({ date: '2024-01-10' });
    assert.deepEqual(await t.digests.send(), { sent: 1, retried: 1, failed: 1 });
    assert.deepEqual(await t.digests.send(), { sent: 0, retried: 0, failed: 0 }, 'the retry waits for its backoff');
    refused.delete('busy@example.org');
    t.clock.set('2024-01-10T12:01:01Z');
    assert.deepEqual(await t.digests.send(), { sent: 1, retried: 0, failed: 0 });
    assert.equal((await t.subscriptions.findSubscriber('gone@example.org'))?.status, 'active');
    t.clock.set('2024-01-11T12:00:00Z');
    const file = join(tempDir(), 'new.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: '2401.00301', title: 'A new paper', abstract: 'New.', authors: ['N. Ew'], categories: ['cs.LG'], announcedAt: '2024-01-11' })}\n`);
    await t.importFiles([file]);
    await (await t.searchService()).refresh();
    await t.digests.plan({ date: '2024-01-11', email: 'gone@example.org' });
    await t.digests.send();
    assert.equal((await t.subscriptions.findSubscriber('gone@example.org'))?.status, 'undeliverable');
    assert.equal((await t.digests.plan({ date: '2024-01-12' })).previews.length, 0);
    assert.ok(!(await t.subscriptions.activeSubscribers()).some((s) => s.email === 'gone@example.org'));
    const counts = await t.digests.counts();
    assert.equal(counts.failed, 2);
    await t.mailer.close();
  });
});

describe('digest pipeline details', () => {
  it('paces sending to the configured rate, previews without storing, and sends no empty digest', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, digest: { ratePerMinute: 60 } });
    const slept: number[] = [];
    t.clock.sleep = async (ms: number) => {
      slept.push(ms);
      t.clock.set(new Date(t.clock.now() + ms).toISOString());
    };
    const mails = t.mailer as unknown as { sent: { to: string; text: string }[] };
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) {
      await subscribe(t, email);
      await t.digests.confirm(confirmToken(mails.sent.at(-1)!.text));
    }
    const preview = await t.digests.plan({ date: '2024-01-10', email: 'a@example.org', dryRun: true });
    assert.equal(preview.previews.length, 1);
    assert.match(preview.previews[0]!.text, /== Trending papers ==/);
    assert.equal(await t.subscriptions.digestFor(1, '2024-01-10'), null, 'a dry run stores nothing');
    assert.equal((await t.digests.plan({ date: '2024-01-10' })).planned, 3);
    const sentBefore = mails.sent.length;
    assert.equal((await t.digests.send()).sent, 3);
    assert.equal(mails.sent.length - sentBefore, 3);
    assert.equal(slept.length, 2, 'one mail per second at 60 a minute');
    assert.ok(slept.every((ms) => ms > 990 && ms <= 1000), slept.join(', '));
    // Next day, nothing new: an empty digest is recorded, not sent.
    t.clock.set('2024-01-11T12:00:00Z');
    const next = await t.digests.plan({ date: '2024-01-11' });
    assert.deepEqual([next.planned, next.empty], [0, 3]);
    assert.equal((await t.digests.send()).sent, 0);
    assert.equal(mails.sent.length - sentBefore, 3);
  });

  it('runs inside the service on a cron schedule (croner)', async () => {
    const { startDigestScheduler } = await import('../src/jobs/digest-scheduler.ts');
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, now: '2024-01-10T12:00:00Z' });
    const mails = t.mailer as unknown as { sent: { to: string; text: string }[] };
    await subscribe(t, 'cron@example.org');
    await t.digests.confirm(confirmToken(mails.sent.at(-1)!.text));
    const before = mails.sent.length;
    const { silentLogger } = await import('../src/ports/logger.ts');
    const scheduler = startDigestScheduler(t.digests, { cron: '* * * * * *', logger: silentLogger }); // every second
    const deadline = Date.now() + 5000;
    while (mails.sent.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await scheduler.stop();
    assert.equal(mails.sent.length - before, 1);
    assert.equal(mails.sent.at(-1)!.to, 'cron@example.org');
  });
});

describe('subscription requests', () => {
  it('expire unconfirmed, link a signed-in reader, and are rate limited per client', async () => {
    const { RATE_LIMIT_DEFAULTS } = await import('../src/http/security.ts');
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: RATE_LIMIT_DEFAULTS });
    const mails = t.mailer as unknown as { sent: { to: string; text: string }[] };
    await subscribe(t, 'late@example.org');
    const token = confirmToken(mails.sent.at(-1)!.text);
    t.clock.set('2024-01-12T12:00:01Z'); // 48 h and a second later
    assert.equal(await t.digests.confirm(token), null, 'an expired confirmation does nothing');
    assert.equal((await t.subscriptions.findSubscriber('late@example.org'))?.status, 'pending');
    await subscribe(t, 'late@example.org');
    assert.equal(mails.sent.filter((m) => m.to === 'late@example.org').length, 2, 'once expired, a new confirmation may be sent');

    const c = client(t.app);
    await signIn(c, t.mailer as never, 'reader@example.org');
    assert.equal((await c.form('/subscribe', { email: 'reader@example.org' })).status, 200);
    const user = (await t.accountStore.findOrCreateUser('reader@example.org', '2024-01-12T12:00:00Z')).id;
    const [row] = await t.sql<{ user_id: number }>('SELECT user_id FROM subscribers WHERE email = ?', ['reader@example.org']);
    assert.equal(row?.user_id, user);

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.api('POST', '/api/subscriptions', { email: `x${i}@example.org` })).status);
    assert.ok(statuses.includes(429), statuses.join(','));
  });
});
