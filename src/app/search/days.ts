/**
 * Dates as the index keeps them: whole days since 1970-01-01 (UTC), `UNDATED` (-1) when unknown.
 * An integer per paper sorts, compares and fits a typed array; the store's YYYY-MM-DD strings come
 * back for display only.
 */
export const UNDATED = -1;

const MS_PER_DAY = 86_400_000;

/** The day of a YYYY-MM-DD date (a longer ISO timestamp is cut to its day); `UNDATED` when absent or malformed. */
export function dayOfDate(date: string | null | undefined): number {
  if (!date) return UNDATED;
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(ms) ? UNDATED : Math.floor(ms / MS_PER_DAY);
}

/** YYYY-MM-DD of a day, null when undated. */
export function dateOfDay(day: number): string | null {
  return day === UNDATED ? null : new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * Year * 12 + month (1-12) of a day, 0 when undated; pure arithmetic (H. Hinnant's civil-from-days),
 * so counting the months of thousands of results allocates nothing.
 */
export function monthCodeOfDay(day: number): number {
  if (day === UNDATED) return 0;
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + month;
}

/** Documents per month (YYYY-MM, ascending), for the results chart; undated documents are not counted. */
export function countMonths(found: readonly { docId: number }[], dayOf: (seq: number) => number): { month: string; papers: number }[] {
  const counts = new Map<number, number>();
  for (const { docId } of found) {
    const code = monthCodeOfDay(dayOf(docId));
    if (code) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([code, papers]) => {
      const year = Math.floor((code - 1) / 12);
      return { month: `${String(year).padStart(4, '0')}-${String(code - year * 12).padStart(2, '0')}`, papers };
    });
}
