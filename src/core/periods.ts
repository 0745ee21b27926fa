/**
 * Calendar windows for browsing: trending over a day, week or month, and the daily listing's
 * day / week / month views with their neighbours. Dates are YYYY-MM-DD in UTC; "today" is a
 * parameter, never read from a clock.
 */
export type TrendingPeriod = 'day' | 'week' | 'month';
export type DailyView = 'day' | 'week' | 'month';

export interface DateWindow {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDay(value: string): boolean {
  if (!ISO_DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The window trending ranks over. It ends today, or on the newest day that has papers when nothing
 * was announced since (a mirror that stopped harvesting still shows its last day, not a blank page).
 */
export function trendingWindow(period: TrendingPeriod, today: string, newestDay: string | null): DateWindow {
  const end = newestDay && newestDay < today ? newestDay : today;
  const span = period === 'day' ? 0 : period === 'week' ? 6 : 29;
  return { from: addDays(end, -span), to: end };
}

export interface DailyWindow extends DateWindow {
  view: DailyView;
  /** The day the view was asked for. */
  date: string;
  /** The same view one step earlier / later (the day to link to). */
  previous: string;
  next: string;
}

/** Day: that day. Week: Monday to Sunday (ISO week). Month: the calendar month. */
export function dailyWindow(date: string, view: DailyView): DailyWindow {
  if (view === 'day') return { view, date, from: date, to: date, previous: addDays(date, -1), next: addDays(date, 1) };
  if (view === 'week') {
    const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
    const from = addDays(date, -weekday);
    return { view, date, from, to: addDays(from, 6), previous: addDays(from, -7), next: addDays(from, 7) };
  }
  const [y, m] = date.split('-').map(Number) as [number, number];
  const from = `${date.slice(0, 7)}-01`;
  const to = dayOf(Date.UTC(y, m, 0));
  return { view, date, from, to, previous: dayOf(Date.UTC(y, m - 2, 1)), next: dayOf(Date.UTC(y, m, 1)) };
}
