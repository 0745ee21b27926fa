import type { Context, Hono } from 'hono';
import { raw } from 'hono/html';
import { z } from 'zod';
import { isTimeZone } from '../core/digest.ts';
import { ApiError } from './errors.ts';
import { renderPage } from './render.tsx';
import type { AppEnv, Limit } from './security.ts';
import type { HttpServices } from './services.ts';
import { categoryList, parseWith, readForm } from './validate.ts';
import { MessagePage } from './views/account-pages.tsx';
import { ConfirmPage, PreferencesPage, SubscribePage, UnsubscribePage, maskAddress } from './views/digest-pages.tsx';

type Ctx = Context<AppEnv>;
const email = z.email('must be an email address').max(254);
const TOKEN = /^[\w-]{20,100}$/;

const preferencesForm = z.object({
  dailyTrending: z.literal('1').optional(),
  sendHour: z.coerce.number().int().min(0).max(23),
  timeZone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris'),
  skipWeekends: z.literal('1').optional(),
  recommendations: z.literal('1').optional(),
  maxPapers: z.coerce.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50'),
});
const topicForm = z.object({
  kind: z.enum(['search', 'category', 'author']),
  query: z.string().trim().min(1, 'is required').max(300),
  category: z.union([z.literal(''), categoryList]).optional(),
  frequency: z.enum(['daily', 'weekly']),
});

/** Subscription pages: subscribe, confirm, preferences (signed link), unsubscribe (RFC 8058), view. */
export function registerDigestRoutes(app: Hono<AppEnv>, s: HttpServices, limit: Limit): void {
  const digests = s.digests;
  const neutral = (c: Ctx) => renderPage(c, { title: 'Check your inbox', children: MessagePage({ title: 'Check your inbox', message: 'If the address can receive mail, a confirmation link is on its way. Nothing else is sent until you follow it.' }) });

  app.get('/subscribe', (c) => renderPage(c, { title: 'Daily digest', children: <SubscribePage csrf={c.get('csrfToken')} email={c.get('user')?.email ?? ''} /> }));
  app.post('/subscribe', limit('subscribe'), async (c) => {
    const body = await readForm(c);
    const parsed = email.safeParse(typeof body.email === 'string' ? body.email.trim() : '');
    if (!parsed.success) return renderPage(c, { title: 'Daily digest', children: <SubscribePage csrf={c.get('csrfToken')} email={typeof body.email === 'string' ? body.email.slice(0, 254) : ''} error="field email: enter a valid email address" /> }, 400);
    // The browser's time zone, filled in by public/app.js (absent without JS: UTC until chosen).
    const zone = typeof body.timeZone === 'string' && body.timeZone.length <= 64 && isTimeZone(body.timeZone) ? body.timeZone : undefined;
    // Queued: the confirmation is decided and mailed after this answer (same path for every address).
    digests.subscribe(parsed.data, zone ? { timeZone: zone } : {}, c.get('user'));
    return neutral(c);
  });
  app.get('/subscribe/confirm', (c) => {
    const token = c.req.query('token') ?? '';
    if (!TOKEN.test(token)) throw new ApiError(400, 'INVALID_PARAMETER', 'parameter token: this confirmation link is malformed', { parameter: 'token' });
    return renderPage(c, { title: 'Confirm', children: <ConfirmPage csrf={c.get('csrfToken')} token={token} /> });
  });
  app.post('/subscribe/confirm', limit('subscribe'), async (c) => {
    const body = await readForm(c);
    const token = typeof body.token === 'string' && TOKEN.test(body.token) ? body.token : '';
    const subscriber = token ? await digests.confirm(token) : null;
    if (!subscriber) return renderPage(c, { title: 'Link expired', children: MessagePage({ title: 'This confirmation link no longer works', message: 'It was used already or has expired.', action: { href: '/subscribe', label: 'Subscribe again' } }) }, 400);
    return c.redirect(`/preferences?token=${digests.preferencesToken(subscriber.id)}&confirmed=1`, 303);
  });

  const subscriberFrom = async (token: string) => {
    const subscriber = await digests.fromPreferencesToken(token);
    if (!subscriber) throw new ApiError(403, 'FORBIDDEN', 'this preferences link is not valid: use the link in your latest digest');
    return subscriber;
  };
  /** The signed-in reader is the account this subscription is linked to (the link alone is not enough). */
  const isOwner = (c: Ctx, subscriber: { userId: number | null }) => subscriber.userId !== null && c.get('user')?.id === subscriber.userId;
  app.get('/preferences', async (c) => {
    const token = c.req.query('token') ?? '';
    const subscriber = await subscriberFrom(token);
    const topics = await digests.topics(subscriber.id);
    // The link is in every digest and never expires: it opens these settings, never the private
    // feed's address (only a link to the For you page, where the signed-in owner finds it).
    c.header('cache-control', 'private, no-store');
    return renderPage(c, {
      title: 'Digest preferences',
      children: <PreferencesPage csrf={c.get('csrfToken')} token={token} subscriber={subscriber} topics={topics} maxTopics={digests.maxTopics} saved={c.req.query('saved') === '1'}
        recommendations={digests.recommendationsAvailable} privateFeed={s.forYou !== undefined && subscriber.userId !== null} owner={isOwner(c, subscriber)} />,
    });
  });
  app.post('/preferences', limit('preferences'), async (c) => {
    const body = await readForm(c);
    const token = typeof body.token === 'string' ? body.token : '';
    const subscriber = await subscriberFrom(token);
    if (body.action === 'save') {
      const p = parseWith(preferencesForm, body, 'field');
      await digests.savePreferences(subscriber.id, { dailyTrending: p.dailyTrending === '1', sendHour: p.sendHour, timeZone: p.timeZone, skipWeekends: p.skipWeekends === '1', maxPapers: p.maxPapers });
      // The box is shown to subscribers with an account only: one without cannot turn it on.
      if (digests.recommendationsAvailable && subscriber.userId !== null) await digests.setRecommendations(subscriber.id, p.recommendations === '1');
    } else if (body.action === 'renew-feed') {
      if (!s.forYou || subscriber.userId === null) throw new ApiError(400, 'INVALID_PARAMETER', 'field action: this subscription has no account, so no private feed', { parameter: 'action' });
      if (!isOwner(c, subscriber)) throw new ApiError(403, 'FORBIDDEN', 'field action: sign in to the account of this subscription to renew its private feed');
      await s.forYou.renewFeedToken(subscriber.userId);
    } else if (body.action === 'add-topic') {
      const t = parseWith(topicForm, body, 'field');
      const categories = t.category || [];
      if (t.kind === 'category') parseWith(categoryList, t.query, 'field query:');
      const added = await digests.addTopic(subscriber.id, { kind: t.kind, query: t.query, filters: categories.length ? { categories } : {}, frequency: t.frequency });
      if (!added.ok) throw new ApiError(400, 'INVALID_PARAMETER', `field query: you already follow ${added.max} topics, the most a subscription may have; remove one before adding another`, { parameter: 'query' });
    } else if (body.action === 'remove-topic') {
      const id = parseWith(z.coerce.number().int().positive(), body.topicId, 'field topicId:');
      await digests.removeTopic(subscriber.id, id);
    } else if (body.action === 'unsubscribe') {
      await digests.unsubscribeAll(subscriber.id);
    } else throw new ApiError(400, 'INVALID_PARAMETER', 'field action: must be save, add-topic, remove-topic, renew-feed or unsubscribe', { parameter: 'action' });
    return c.redirect(`/preferences?token=${encodeURIComponent(token)}&saved=1`, 303);
  });

  // RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the URL of the header, without
  // cookies; the signed token in the URL is the authority (CSRF does not apply, see security.ts).
  // A GET (a person clicking, or a scanner fetching) only shows a button.
  app.get('/unsubscribe', (c) => renderPage(c, { title: 'Unsubscribe', children: <UnsubscribePage token={c.req.query('token') ?? ''} csrf={c.get('csrfToken')} /> }));
  app.post('/unsubscribe', async (c) => {
    const done = await digests.unsubscribe(c.req.query('token') ?? '');
    if (!done) throw new ApiError(403, 'FORBIDDEN', 'this unsubscribe link is not valid (altered or forged)');
    // Whoever holds the link (a forwarded mail, a scanner) does not learn the full address.
    const message = done.topicId === null ? `${maskAddress(done.subscriber.email)} will get no more digests.` : 'You will get no more alerts for this topic.';
    if ((c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded') && !(await readForm(c))._csrf) return c.text(message);
    return renderPage(c, { title: 'Unsubscribed', children: MessagePage({ title: 'Unsubscribed', message }) });
  });

  app.get('/digests/view', async (c) => {
    const digest = await digests.viewDigest(c.req.query('token') ?? '');
    if (!digest) throw new ApiError(404, 'NOT_FOUND', 'no such digest (the link may be altered)');
    // The mail's own HTML, which was escaped when it was composed.
    return renderPage(c, { title: digest.subject, children: <article class="digest-view">{raw(digest.html.replace(/^[\s\S]*?<body[^>]*>/, '').replace(/<\/body>[\s\S]*$/, '').replace(/ style="[^"]*"/g, ''))}</article> });
  });
}
