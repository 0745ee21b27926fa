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
  /** False while the time zone is the default (UTC) nobody chose: the preferences page may suggest the browser's. */
  timeZoneChosen: boolean;
  /** The reader's account, when they subscribed signed in: whose ratings the recommendations learn from. */
  userId: number | null;
  /** The opt-in "Recommended for you" section (off by default). */
  recommendations: boolean;
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
   * `userId` (the relink rule): when given, the subscription is linked to that account, an active
   * one included (it stays active, no mail); when null, an earlier link is kept. Callers pass a
   * user id only for the account whose own address `email` is (app/digests.ts `subscribe`).
   */
  requestSubscription(input: { email: string; tokenHash: string; now: string; expiresAt: string; preferences: Preferences; timeZoneChosen: boolean; userId: number | null }): Promise<'created' | 'pending' | 'active'>;
  /** Activates the subscriber with this confirmation token hash if unexpired; null otherwise. */
  confirm(tokenHash: string, now: string): Promise<Subscriber | null>;
  getSubscriber(id: number): Promise<Subscriber | null>;
  findSubscriber(email: string): Promise<Subscriber | null>;
  /** Saves the preferences; the time zone counts as chosen from then on. */
  updatePreferences(id: number, preferences: Preferences): Promise<void>;
  /** Turns the "Recommended for you" section on or off. */
  setRecommendations(id: number, on: boolean): Promise<void>;
  /** Unsubscribes from everything, or from one topic. */
  unsubscribe(id: number, topicId: number | null, now: string): Promise<void>;
  /** The subscriber's live topics, oldest first, at most `limit`. */
  topics(subscriberId: number, limit?: number): Promise<Topic[]>;
  /** Adds a topic unless the subscriber already has `maxTopics` live ones (then null), atomically. */
  addTopic(topic: Omit<Topic, 'id'>, maxTopics: number): Promise<Topic | null>;
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
   * Claims up to `limit` digests for the sender run `owner`: pending ones whose time has come, and
   * `sending` ones whose lease expired before `now` (their owner stopped renewing: it died). Claimed
   * rows become `sending`, owned by `owner` until `leaseUntil`.
   */
  claimDigests(claim: { owner: string; limit: number; now: string; leaseUntil: string }): Promise<Digest[]>;
  /** Extends the lease of every digest `owner` still holds (heartbeat); returns how many. */
  renewLeases(owner: string, leaseUntil: string): Promise<number>;
  /** True while `owner` holds the digest and its lease has not expired at `now`. */
  holdsLease(id: number, owner: string, now: string): Promise<boolean>;
  /** Gives unsent claims back (pending again, the attempt not counted), e.g. when a run stops early. */
  releaseClaims(owner: string, ids: readonly number[]): Promise<void>;
  /**
   * The outcome of a send, recorded only by the digest's owner: each returns false and changes
   * nothing when `owner` no longer holds the claim (its lease expired and another run took it).
   */
  markSent(id: number, owner: string, messageId: string, now: string): Promise<boolean>;
  /** A temporary failure: back to pending, retried at `nextAttemptAt`. */
  markRetry(id: number, owner: string, error: string, nextAttemptAt: string): Promise<boolean>;
  /** A permanent failure: counted against the address; at `maxFailures` it is marked undeliverable. */
  markFailed(id: number, owner: string, error: string, maxFailures: number): Promise<boolean>;
  counts(): Promise<Record<DigestState, number>>;
}
