/** Digest subscribers, their topics, the outbox of digests and the papers already sent. */

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'undeliverable';

export interface Preferences {
  dailyTrending: boolean;
  /** Local hour (0-23) from which the day's digest is sent. */
  sendHour: number;
  /** IANA time zone, e.g. Europe/Paris. */
  timeZone: string;
  skipWeekends: boolean;
  maxPapers: number;
}

export interface Subscriber extends Preferences {
  id: number;
  email: string;
  status: SubscriberStatus;
  createdAt: string;
  confirmedAt: string | null;
  lastDigestAt: string | null;
  permanentFailures: number;
}

export type TopicKind = 'search' | 'category' | 'author';

export interface Topic {
  id: number;
  subscriberId: number;
  kind: TopicKind;
  /** Search text, category or author name. */
  query: string;
  /** Saved-search filters. */
  filters: { categories?: string[]; author?: string };
  frequency: 'daily' | 'weekly';
  createdAt: string;
}

export type DigestState = 'pending' | 'sending' | 'sent' | 'failed' | 'empty';

export interface DigestDraft {
  subscriberId: number;
  period: string;
  idempotencyKey: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  paperIds: string[];
}

export interface Digest extends DigestDraft {
  id: number;
  state: DigestState;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  sentAt: string | null;
  lastError: string | null;
  email: string;
}

export interface SubscriptionStore {
  /**
   * Starts (or restarts) a double opt-in for `email`: stores the confirmation token hash unless a
   * confirmation is already pending and unexpired (at most one per address). Returns what happened.
   */
  requestSubscription(input: { email: string; tokenHash: string; now: string; expiresAt: string; preferences: Preferences; userId: number | null }): Promise<'created' | 'pending' | 'active'>;
  /** Activates the subscriber with this confirmation token hash if unexpired; null otherwise. */
  confirm(tokenHash: string, now: string): Promise<Subscriber | null>;
  getSubscriber(id: number): Promise<Subscriber | null>;
  findSubscriber(email: string): Promise<Subscriber | null>;
  updatePreferences(id: number, preferences: Preferences): Promise<void>;
  /** Unsubscribes from everything, or from one topic. */
  unsubscribe(id: number, topicId: number | null, now: string): Promise<void>;
  topics(subscriberId: number): Promise<Topic[]>;
  addTopic(topic: Omit<Topic, 'id'>): Promise<Topic>;
  activeSubscribers(): Promise<Subscriber[]>;
  /** Papers (ids without version) already put in a digest for the subscriber. */
  papersSent(subscriberId: number): Promise<Set<string>>;
  /**
   * Stores a composed digest (state pending, or `empty`) and reserves its papers, in one
   * transaction; a digest with the same idempotency key already stored wins (returns false).
   */
  enqueueDigest(draft: DigestDraft, state: 'pending' | 'empty', now: string): Promise<boolean>;
  getDigest(id: number): Promise<Digest | null>;
  digestFor(subscriberId: number, period: string): Promise<Digest | null>;
  /**
   * Claims up to `limit` digests due for sending: pending ones whose time has come, and `sending`
   * ones claimed before `staleBefore` (a sender that died mid-send). Claimed rows become `sending`.
   */
  claimDigests(limit: number, now: string, staleBefore: string): Promise<Digest[]>;
  markSent(id: number, messageId: string, now: string): Promise<void>;
  /** A temporary failure: back to pending, retried at `nextAttemptAt`. */
  markRetry(id: number, error: string, nextAttemptAt: string): Promise<void>;
  /** A permanent failure: counted against the address; at `maxFailures` it is marked undeliverable. */
  markFailed(id: number, error: string, maxFailures: number): Promise<void>;
  counts(): Promise<Record<DigestState, number>>;
}
