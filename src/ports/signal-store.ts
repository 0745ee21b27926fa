import type { SignalGains } from '../core/trending.ts';

/** One observation of a signal for a paper on a UTC day. */
export interface SignalObservation {
  paperId: string;
  /** 'huggingface' | 'github' | 'paperboy' */
  source: string;
  /** 'upvotes' | 'stars' | 'readers' */
  name: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  value: number;
}

/** What the store knows of a linked GitHub repository. */
export interface GitHubRepoState {
  /** owner/name as papers link it, lower-cased: the key. */
  repo: string;
  /** The repository's current owner/name (differs after a rename). */
  fullName: string | null;
  etag: string | null;
  stars: number | null;
  status: 'ok' | 'gone';
  checkedAt: string | null;
}

/** A repository to refresh, with when a paper linking it last showed activity. */
export interface RepoCandidate extends GitHubRepoState {
  lastActive: string | null;
  /** The live papers that link it. */
  paperIds: string[];
}

/**
 * Signals as daily time series, so that trending can use what a window gained (stars gained, not
 * stars owned), and the bookkeeping of the GitHub refresh. The SQLite adapter shares the papers' file.
 */
export interface SignalStore {
  /** Stores observations; a second one for the same paper, signal and day replaces the first (`max`: keeps the larger). */
  record(observations: readonly SignalObservation[], mode?: 'replace' | 'max'): Promise<{ stored: number; unknownPapers: number }>;
  /**
   * What each paper gained in [from, to] (days, inclusive): totals' increase since the day before
   * `from` (Hugging Face upvotes count from 0 for a paper first seen in the window, GitHub stars from
   * their first observation), readers summed, saves and local votes made in the window.
   * Only papers with some gain are in the map.
   */
  gains(from: string, to: string): Promise<Map<string, SignalGains>>;
  /** Of these repository keys, those whose stars the GitHub refresh keeps (their count wins over copies from other sources). */
  trackedRepos(keys: readonly string[]): Promise<Set<string>>;
  /** Repositories linked by live papers, never checked first, then most recently active; those checked after `checkedBefore` are left out. */
  reposToRefresh(limit: number, checkedBefore: string): Promise<RepoCandidate[]>;
  /** Saves a repository's state; with `stars`, also records them for these papers (the day's series value and the current signal). */
  saveRepo(state: GitHubRepoState, day: string, paperIds: readonly string[]): Promise<{ papers: number }>;
}
