import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSmtpMailer } from '../src/adapters/mail/smtp-mailer.ts';
import { DEFAULT_PREFERENCES } from '../src/app/digests.ts';
import { createMailQueue, mailboxOf } from '../src/app/mail-queue.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { Mailer, OutgoingMail } from '../src/ports/mailer.ts';
import { client, testApp } from './app-helpers.ts';
import { fixedClock, fixture, testStore } from './helpers.ts';
import { startSmtpServer } from './smtp-server.ts';

type Json = { sent: OutgoingMail[] };

// Regression: the confirmation (and sign-in) mail was sent before the answer, so a new address
// answered after a whole SMTP exchange and a known one at once (13.6 ms against 1.5 ms): who is
// subscribed leaked through timing.
describe('mail that a request triggers goes out after the answer', () => {
  it('answers new and known addresses alike without waiting for a slow mail server (2 s), and delivers afterwards', async () => {
    const smtp = await startSmtpServer({ delayMs: 2000 });
    const mailer = createSmtpMailer({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'Paperboy <digest@paperboy.test>' });
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, mailer, awaitMail: false });
    await t.subscriptions.requestSubscription({ email: 'known@example.org', tokenHash: 'f'.repeat(64), now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
    await t.subscriptions.confirm('f'.repeat(64), '2024-01-10T01:00:00Z');
    const c = client(t.app);
    await c.session();

    const answers: string[] = [];
    for (const email of ['new@example.org', 'known@example.org']) {
      const res = await c.api('POST', '/api/subscriptions', { email });
      assert.equal(res.status, 202);
      answers.push(await res.text());
      assert.equal(smtp.accepted, 0, `the answer for ${email} came before the mail server accepted anything`);
    }
    assert.equal(answers[0], answers[1], 'the same answer for a new and a known address');
    const page = await c.form('/subscribe', { email: 'page@example.org' });
    assert.equal(page.status, 200);
    const signIn = await c.form('/signin', { email: 'reader@example.org' });
    assert.equal(signIn.status, 200);
    const apiSignIn = await c.api('POST', '/api/auth/sign-in', { email: 'api-reader@example.org' });
    assert.equal(apiSignIn.status, 202);
    assert.equal(smtp.accepted, 0, 'no answer waited for its mail');

    // The mails follow once the answers are out.
    assert.equal((await smtp.waitFor('new@example.org', 0, 15_000)).parsed.subject, 'Confirm your Paperboy digest subscription');
    await smtp.waitFor('page@example.org', 0, 15_000);
    assert.equal((await smtp.waitFor('reader@example.org', 0, 15_000)).parsed.subject, 'Your Paperboy sign-in link');
    await smtp.waitFor('api-reader@example.org', 0, 15_000);
    await t.mailQueue.idle();
    assert.ok(!smtp.received.some((m) => m.envelopeTo.includes('known@example.org')), 'an active address gets no confirmation');
    await mailer.close();
    await smtp.close();
  });
});

// Regression: rotating client addresses, a probe got 30 confirmation mails sent to victim+N@….
describe('caps on requested mail', () => {
  it('sends at most 5 an hour to one mailbox, +tags included, sign-in and confirmation together', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null });
    const c = client(t.app);
    await c.session();
    const mails = t.mailer as unknown as Json;
    for (let i = 0; i < 30; i++) assert.equal((await c.api('POST', '/api/subscriptions', { email: `victim+${i}@example.org` })).status, 202);
    for (let i = 0; i < 3; i++) assert.equal((await c.form('/signin', { email: 'Victim@Example.org' })).status, 200);
    assert.equal(mails.sent.filter((m) => mailboxOf(m.to) === 'victim@example.org').length, 5);
    // Other addresses are not affected; an hour later the mailbox may get mail again.
    await c.api('POST', '/api/subscriptions', { email: 'someone@example.org' });
    assert.equal(mails.sent.at(-1)!.to, 'someone@example.org');
    t.clock.set('2024-01-10T13:00:01Z');
    await c.form('/signin', { email: 'victim@example.org' });
    assert.equal(mails.sent.at(-1)!.to, 'victim@example.org');
  });

  it('sends at most perHour requested mails an hour overall', async () => {
    const t = await testApp({ fixtures: [fixture('web-papers.jsonl')], rateLimits: null, mailQueue: { perHour: 10 } });
    const c = client(t.app);
    await c.session();
    const mails = t.mailer as unknown as Json;
    // Requests that need no mail (an active address) do not use up the budget.
    await t.subscriptions.requestSubscription({ email: 'known@example.org', tokenHash: 'f'.repeat(64), now: '2024-01-10T00:00:00Z', expiresAt: '2024-01-12T00:00:00Z', preferences: DEFAULT_PREFERENCES, timeZoneChosen: false, userId: null });
    await t.subscriptions.confirm('f'.repeat(64), '2024-01-10T01:00:00Z');
    for (let i = 0; i < 8; i++) await c.api('POST', '/api/subscriptions', { email: 'known@example.org' });
    for (let i = 0; i < 15; i++) await c.api('POST', '/api/subscriptions', { email: `reader${i}@example.org` });
    assert.equal(mails.sent.length, 10);
    t.clock.set('2024-01-10T13:00:01Z');
    for (let i = 0; i < 12; i++) await c.form('/signin', { email: `late${i}@example.org` });
    assert.equal(mails.sent.length, 20);
  });

  it('keeps at most `capacity` jobs waiting, and says which mailbox a cap counts', async () => {
    assert.equal(mailboxOf(' Victim+News@Example.ORG '), 'victim@example.org');
    assert.equal(mailboxOf('plain@example.org'), 'plain@example.org');
    const { stores } = await testStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sent: string[] = [];
    const mailer: Mailer = { from: 'x@test', async send(mail) { await gate; sent.push(mail.to); return { status: 'sent', messageId: '<1@test>', response: '250' }; }, async close() {} };
    const queue = createMailQueue({ mailer, log: stores.mailLog, clock: fixedClock(), logger: silentLogger }, { capacity: 3, concurrency: 1, perAddressPerHour: 5, perHour: 100 });
    const job = (i: number) => ({ kind: 'sign-in' as const, to: `r${i}@example.org`, compose: async () => ({ to: `r${i}@example.org`, subject: 's', text: 't' }) });
    const accepted = Array.from({ length: 10 }, (_, i) => queue.enqueue(job(i)));
    assert.deepEqual(accepted, [true, true, true, false, false, false, false, false, false, false]);
    release();
    await queue.idle();
    assert.deepEqual(sent, ['r0@example.org', 'r1@example.org', 'r2@example.org']);
    await queue.close();
    assert.equal(queue.enqueue(job(11)), false, 'a closed queue takes nothing');
  });
});
