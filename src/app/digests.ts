import { createHash, randomBytes } from 'node:crypto';
import { addDays } from '../core/periods.ts';
import { duePeriod, includesWeekly, selectDigest, type DigestPaper, type DigestSection, type DigestSectionInput } from '../core/digest.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { Digest, DigestDraft, Preferences, Subscriber, SubscriptionStore, Topic } from '../ports/subscription-store.ts';
import type { Catalog } from './catalog.ts';
import { renderDigest } from './digest-mail.ts';
import { sendOutbox, type SenderOptions, type SendSummary } from './digest-sender.ts';
import type { MailQueue } from './mail-queue.ts';
import { signToken, verifyToken } from './signed-tokens.ts';

export interface DigestDeps {
  subscriptions: SubscriptionStore;
  catalog: Pick<Catalog, 'trendingBetween' | 'topicMatches'>;
  /** Digests go straight to the mailer (from the outbox); confirmations through the queue. */
  mailer: Mailer;
  mail: Pick<MailQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  secret: string;
  baseUrl: string;
  /**
   * The "Recommended for you" papers of a reader dated in [from, to], best first (app/for-you-service.ts);
   * absent: no such section. Asked only for subscribers who opted in and have an account.
   */
  recommendations?: (userId: number, from: string, to: string, limit: number) => Promise<DigestPaper[]>;
}

export interface DigestOptions extends SenderOptions {
  confirmTtlHours: number;
  /** Where List-Unsubscribe's mailto points (the operator routes it to `paperboy` or reads it). */
  unsubscribeMailto: string;
  /** Live topics one subscriber may follow; planning reads no more than this many. */
  maxTopics: number;
}

export const DIGEST_DEFAULTS: DigestOptions = {
  ratePerMinute: 600, batchSize: 50, maxPermanentFailures: 3, maxAttempts: 8, leaseMs: 60_000, confirmTtlHours: 48,
  unsubscribeMailto: 'unsubscribe@localhost', maxTopics: 20,
};

/** The title of the digest's opt-in recommendations section. */
export const RECOMMENDED_TITLE = 'Recommended for you';

export const DEFAULT_PREFERENCES: Preferences = { dailyTrending: true, sendHour: 7, timeZone: 'UTC', skipWeekends: false, maxPapers: 10 };

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

export interface PlanResult {
  /** Digests stored for sending. */
  planned: number;
  /** Subscribers with nothing new (no digest sent). */
  empty: number;
  /** Already planned for the period, or not due yet. */
  skipped: number;
  previews: { email: string; period: string; subject: string; text: string; papers: number }[];
}

export type AddTopicResult = { ok: true; topic: Topic } | { ok: false; reason: 'too_many_topics'; max: number };

/**
 * Double opt-in subscriptions and digests: composition (trending since the last digest, then each
 * topic's matches; never a paper twice), an outbox with one row per (subscriber, period), and a
 * sender that claims under a lease, sends, records (digest-sender.ts). Exactly once, overlapping
 * senders included, except across a crash between the SMTP server's acceptance and the record:
 * then the digest is sent again with the same Message-ID (at-least-once).
 */
export function createDigestService(deps: DigestDeps, options: DigestOptions = DIGEST_DEFAULTS) {
  const host = new URL(deps.baseUrl).hostname;
  const iso = (ms: number) => new Date(ms).toISOString();
  const link = (path: string, purpose: string, payload: string) => `${deps.baseUrl}${path}?token=${signToken(deps.secret, purpose, payload)}`;
  const links = (subscriberId: number, period: string) => ({
    baseUrl: deps.baseUrl,
    viewUrl: link('/digests/view', 'view', `${subscriberId}:${period}`),
    preferencesUrl: link('/preferences', 'prefs', String(subscriberId)),
    unsubscribeAllUrl: link('/unsubscribe', 'unsub', `${subscriberId}:all`),
    unsubscribeTopicUrl: (topicId: number) => link('/unsubscribe', 'unsub', `${subscriberId}:${topicId}`),
  });
  const matchCache = new Map<string, Promise<DigestSectionInput['papers']>>();

  async function sectionsFor(subscriber: Subscriber, period: string): Promise<DigestSectionInput[]> {
    // "Since the last digest": the day of the last one, or a week back for a first digest.
    const since = subscriber.lastDigestAt ? subscriber.lastDigestAt.slice(0, 10) : addDays(period, -7);
    const want = subscriber.maxPapers * 3;
    const sections: DigestSectionInput[] = [];
    if (subscriber.dailyTrending) {
      const key = `trending|${since}|${period}|${want}`;
      if (!matchCache.has(key)) matchCache.set(key, deps.catalog.trendingBetween(since, period, want));
      sections.push({ topicId: null, title: 'Trending papers', papers: await matchCache.get(key)! });
    }
    // After trending: a paper in both goes to trending (selectDigest takes each paper once, in
    // section order), and papers of earlier digests are never picked again (papersSent).
    if (subscriber.recommendations && subscriber.userId !== null && deps.recommendations) {
      // One reader's failure (a broken index, a bug) leaves the section out of their digest only.
      try {
        sections.push({ topicId: null, title: RECOMMENDED_TITLE, papers: await deps.recommendations(subscriber.userId, since, period, want) });
      } catch (error) {
        deps.logger.warn('digest.recommendations_failed', { subscriberId: subscriber.id, period, message: (error as Error).message });
      }
    }
    const weekly = includesWeekly(period);
    // At most maxTopics topic searches per subscriber, whatever an old database holds.
    for (const topic of await deps.subscriptions.topics(subscriber.id, options.maxTopics)) {
      if (topic.frequency === 'weekly' && !weekly) continue;
      const from = topic.frequency === 'weekly' ? addDays(period, -7) : since;
      const key = `${topic.kind}|${topic.query}|${JSON.stringify(topic.filters)}|${from}|${want}`;
      if (!matchCache.has(key)) matchCache.set(key, deps.catalog.topicMatches(topic, from, want));
      sections.push({ topicId: topic.id, title: topicTitle(topic), papers: await matchCache.get(key)! });
    }
    return sections;
  }

  async function compose(subscriber: Subscriber, period: string): Promise<{ draft: DigestDraft; sections: DigestSection[] }> {
    const sections = selectDigest(await sectionsFor(subscriber, period), await deps.subscriptions.papersSent(subscriber.id), subscriber.maxPapers);
    const key = `${subscriber.id}:${period}`;
    const rendered = renderDigest(period, sections, links(subscriber.id, period));
    const unsubscribe = links(subscriber.id, period).unsubscribeAllUrl;
    const mailtoToken = signToken(deps.secret, 'unsub', `${subscriber.id}:all`);
    return {
      sections,
      draft: {
        subscriberId: subscriber.id, period, idempotencyKey: key,
        messageId: `<digest.${subscriber.id}.${period}.${sha256(`${deps.secret}:${key}`).slice(0, 12)}@${host}>`,
        subject: rendered.subject, text: rendered.text, html: rendered.html,
        headers: {
          'List-Unsubscribe': `<${unsubscribe}>, <mailto:${options.unsubscribeMailto}?subject=unsubscribe%20${mailtoToken}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': `Paperboy digest <digest.${host}>`,
          'Auto-Submitted': 'auto-generated',
        },
        paperIds: sections.flatMap((s) => s.papers.map((p) => p.id)),
      },
    };
  }

  return {
    /**
     * Starts a double opt-in and returns at once: the confirmation is decided and mailed in the
     * background (mail queue), so the answer takes the same path whatever the address's state. A mail
     * goes out only when no unexpired confirmation is pending and the address is not already active.
     * A `timeZone` in `preferences` (the browser's, from the subscribe form) counts as chosen.
     * `account`: the signed-in reader; the subscription is linked to their account (whose ratings
     * the recommendations learn from) only when the address is the account's own, so that nobody
     * links someone else's digest to their ratings. An active subscription is linked too.
     */
    subscribe(email: string, preferences: Partial<Preferences> = {}, account: { id: number; email: string } | null = null): void {
      const address = email.trim().toLowerCase();
      const userId = account && account.email.trim().toLowerCase() === address ? account.id : null;
      deps.mail.enqueue({
        kind: 'confirmation',
        to: address,
        compose: async () => {
          const now = deps.clock.now();
          const token = randomBytes(32).toString('base64url');
          const outcome = await deps.subscriptions.requestSubscription({
            email: address, tokenHash: sha256(token), now: iso(now), expiresAt: iso(now + options.confirmTtlHours * 3_600_000),
            preferences: { ...DEFAULT_PREFERENCES, ...preferences }, timeZoneChosen: preferences.timeZone !== undefined, userId,
          });
          if (outcome !== 'created') {
            deps.logger.info('digest.subscribe_ignored', { outcome });
            return null;
          }
          const url = `${deps.baseUrl}/subscribe/confirm?token=${token}`;
          return {
            to: address,
            subject: 'Confirm your Paperboy digest subscription',
            text: `Someone, hopefully you, asked for Paperboy's daily digest of trending papers at this address.\n\nConfirm here:\n${url}\n\nNothing will be sent unless you confirm; the link expires in ${options.confirmTtlHours} hours.\n`,
            html: `<p>Someone, hopefully you, asked for Paperboy's daily digest of trending papers at this address.</p><p><a href="${url}">Confirm the subscription</a></p><p>Nothing will be sent unless you confirm; the link expires in ${options.confirmTtlHours} hours.</p>`,
          };
        },
      });
    },

    async confirm(token: string): Promise<Subscriber | null> {
      return deps.subscriptions.confirm(sha256(token), iso(deps.clock.now()));
    },

    /** Signed links: preferences page, unsubscribe (all or one topic), view in browser. */
    preferencesToken: (subscriberId: number) => signToken(deps.secret, 'prefs', String(subscriberId)),
    async fromPreferencesToken(token: string): Promise<Subscriber | null> {
      const payload = verifyToken(deps.secret, 'prefs', token);
      return payload && /^\d+$/.test(payload) ? deps.subscriptions.getSubscriber(Number(payload)) : null;
    },
    async unsubscribe(token: string): Promise<{ subscriber: Subscriber; topicId: number | null } | null> {
      const payload = verifyToken(deps.secret, 'unsub', token);
      const m = payload ? /^(\d+):(all|\d+)$/.exec(payload) : null;
      if (!m) return null;
      const subscriber = await deps.subscriptions.getSubscriber(Number(m[1]));
      if (!subscriber) return null;
      const topicId = m[2] === 'all' ? null : Number(m[2]);
      await deps.subscriptions.unsubscribe(subscriber.id, topicId, iso(deps.clock.now()));
      deps.logger.info('digest.unsubscribed', { subscriberId: subscriber.id, topicId });
      return { subscriber, topicId };
    },

    /** Live topics one subscriber may follow. */
    maxTopics: options.maxTopics,
    /** What the preferences page shows: the subscriber's settings and live topics. */
    topics: (subscriberId: number) => deps.subscriptions.topics(subscriberId),
    savePreferences: (subscriberId: number, preferences: Preferences) => deps.subscriptions.updatePreferences(subscriberId, preferences),
    /** The "Recommended for you" section, opt-in; offered to subscribers with an account ({@link DigestDeps.recommendations}). */
    setRecommendations: (subscriberId: number, on: boolean) => deps.subscriptions.setRecommendations(subscriberId, on),
    recommendationsAvailable: deps.recommendations !== undefined,
    /** Follows a topic, unless the subscriber already follows `maxTopics` of them. */
    async addTopic(subscriberId: number, topic: Pick<Topic, 'kind' | 'query' | 'filters' | 'frequency'>): Promise<AddTopicResult> {
      const added = await deps.subscriptions.addTopic({ ...topic, subscriberId, createdAt: iso(deps.clock.now()) }, options.maxTopics);
      if (!added) {
        deps.logger.info('digest.topic_limit', { subscriberId, max: options.maxTopics });
        return { ok: false, reason: 'too_many_topics', max: options.maxTopics };
      }
      return { ok: true, topic: added };
    },
    removeTopic: (subscriberId: number, topicId: number) => deps.subscriptions.unsubscribe(subscriberId, topicId, iso(deps.clock.now())),
    async unsubscribeAll(subscriberId: number): Promise<void> {
      await deps.subscriptions.unsubscribe(subscriberId, null, iso(deps.clock.now()));
      deps.logger.info('digest.unsubscribed', { subscriberId, topicId: null });
    },
    async viewDigest(token: string): Promise<Digest | null> {
      const payload = verifyToken(deps.secret, 'view', token);
      const m = payload ? /^(\d+):(\d{4}-\d{2}-\d{2})$/.exec(payload) : null;
      return m ? deps.subscriptions.digestFor(Number(m[1]), m[2]!) : null;
    },

    /**
     * Composes and stores the digests due now (or for `date`), for every active subscriber or one.
     * `dryRun` stores nothing and returns previews: the operator's view of anyone's next digest.
     */
    async plan(opts: { date?: string; email?: string; dryRun?: boolean } = {}): Promise<PlanResult> {
      matchCache.clear();
      const now = deps.clock.now();
      const result: PlanResult = { planned: 0, empty: 0, skipped: 0, previews: [] };
      const subscribers = opts.email
        ? [await deps.subscriptions.findSubscriber(opts.email.trim().toLowerCase())].filter((s): s is Subscriber => s?.status === 'active')
        : await deps.subscriptions.activeSubscribers();
      for (const subscriber of subscribers) {
        const period = opts.date ?? duePeriod(subscriber, now);
        if (!period || (await deps.subscriptions.digestFor(subscriber.id, period))) {
          result.skipped++;
          continue;
        }
        const { draft } = await compose(subscriber, period);
        if (opts.dryRun) {
          result.previews.push({ email: subscriber.email, period, subject: draft.subject, text: draft.text, papers: draft.paperIds.length });
          continue;
        }
        const empty = draft.paperIds.length === 0;
        if (await deps.subscriptions.enqueueDigest(draft, empty ? 'empty' : 'pending', iso(now))) {
          if (empty) result.empty++;
          else result.planned++;
        } else result.skipped++;
      }
      return result;
    },

    /** Sends what is due in the outbox as one sender run (its own claim id and lease). */
    send(opts: { maxBatches?: number } = {}): Promise<SendSummary> {
      return sendOutbox(deps, options, opts);
    },

    counts: () => deps.subscriptions.counts(),
  };
}

export type DigestService = ReturnType<typeof createDigestService>;

export function topicTitle(topic: Pick<Topic, 'kind' | 'query' | 'filters'>): string {
  const text = topic.query.replace(/\s+/g, ' ').slice(0, 120);
  if (topic.kind === 'category') return `New in ${text}`;
  if (topic.kind === 'author') return `New from ${text}`;
  const filters = [...(topic.filters.categories ?? []), ...(topic.filters.author ? [`by ${topic.filters.author}`] : [])];
  return `Matches for “${text}”${filters.length ? ` (${filters.join(', ')})` : ''}`;
}
