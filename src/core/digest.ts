/**
 * Digest scheduling and selection, pure: time and time zones are parameters (Intl does the zone
 * arithmetic; no clock is read here).
 */

export interface DigestSchedule {
  /** Local hour (0-23) from which the day's digest may go out. */
  sendHour: number;
  timeZone: string;
  skipWeekends: boolean;
}

export interface LocalTime {
  /** YYYY-MM-DD in the zone. */
  date: string;
  hour: number;
  /** 1 = Monday ... 7 = Sunday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formats = new Map<string, Intl.DateTimeFormat>();

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function localTime(nowMs: number, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(nowMs)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) % 24, weekday: WEEKDAYS[parts.weekday!] ?? 1 };
}

/** The weekday (1 = Monday) of a YYYY-MM-DD date. */
export function weekdayOf(date: string): number {
  return ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

/**
 * The period (the subscriber's local day) whose digest is due at `nowMs`, or null: before the send
 * hour, or on a weekend when weekends are skipped. Idempotency is the caller's: one digest per
 * (subscriber, period).
 */
export function duePeriod(schedule: DigestSchedule, nowMs: number): string | null {
  const local = localTime(nowMs, schedule.timeZone);
  if (local.hour < schedule.sendHour) return null;
  if (schedule.skipWeekends && local.weekday >= 6) return null;
  return local.date;
}

/** Weekly topics go out in the digest of the first day of the week the subscriber receives (Monday). */
export function includesWeekly(period: string): boolean {
  return weekdayOf(period) === 1;
}

export interface DigestPaper {
  id: string;
  title: string;
  authors: readonly string[];
  abstract: string;
  date: string | null;
  /** A line under the summary (a recommendation's "because you saved …"). */
  note?: string;
}

export interface DigestSectionInput {
  /** null: the trending section. */
  topicId: number | null;
  title: string;
  /** Best first. */
  papers: readonly DigestPaper[];
}

export interface DigestSection extends DigestSectionInput {
  papers: DigestPaper[];
}

/**
 * Chooses the papers of one digest: at most `maxPapers`, none already sent to this subscriber, none
 * twice in the digest (a paper matching two topics shows under the first). Sections take turns, one
 * paper each, so a busy trending list cannot crowd out a topic. Sections left empty are dropped; an
 * empty result means no digest.
 */
export function selectDigest(sections: readonly DigestSectionInput[], alreadySent: ReadonlySet<string>, maxPapers: number): DigestSection[] {
  const chosen = new Set<string>();
  const out = sections.map((s) => ({ ...s, papers: [] as DigestPaper[] }));
  const cursors = sections.map(() => 0);
  let progress = true;
  while (chosen.size < maxPapers && progress) {
    progress = false;
    for (let i = 0; i < sections.length && chosen.size < maxPapers; i++) {
      const papers = sections[i]!.papers;
      while (cursors[i]! < papers.length) {
        const paper = papers[cursors[i]!++]!;
        if (alreadySent.has(paper.id) || chosen.has(paper.id)) continue;
        chosen.add(paper.id);
        out[i]!.papers.push(paper);
        progress = true;
        break;
      }
    }
  }
  return out.filter((s) => s.papers.length > 0);
}

/** The first sentences of an abstract, at most `max` characters, cut at a word. */
export function shortAbstract(text: string, max = 280): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 40)).replace(/[,;:.\s]+$/, '')}…`;
}
