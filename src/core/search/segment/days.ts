/** Dates of the doc table: days since 1970-01-01 (UTC), -1 when unknown. Pure arithmetic, no clock. */

const DAY_MS = 86_400_000;

export function dayOf(date: string | null | undefined): number {
  if (!date || !/^\d{4}-\d{2}-\d{2}/.test(date)) return -1;
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / DAY_MS) : -1;
}

/** YYYY-MM-DD of a day number, null for -1. */
export function dateOfDay(day: number): string | null {
  if (day < 0) return null;
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
