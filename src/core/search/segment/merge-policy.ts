/**
 * Which segments to merge after a write. Segments are listed oldest first; only adjacent ones are
 * merged, so the list keeps its order. Pure: the index directory applies the plan.
 */

export const MAX_SEGMENTS = 8;
export const MAX_DELETED_FRACTION = 0.25;

export interface SegmentSize {
  docs: number;
  deleted: number;
}

/**
 * The indexes (consecutive) of the segments to merge next, or null when the policy is met:
 * a segment with more than 25% deleted documents is rewritten without them (the worst first); more
 * than 8 segments -> the run of adjacent segments, long enough to leave 8, with the fewest live documents.
 */
export function planMerge(segments: readonly SegmentSize[], maxSegments = MAX_SEGMENTS, maxDeleted = MAX_DELETED_FRACTION): number[] | null {
  let worst = -1;
  let worstFraction = maxDeleted;
  segments.forEach((s, i) => {
    const fraction = s.docs > 0 ? s.deleted / s.docs : 0;
    if (fraction > worstFraction) {
      worst = i;
      worstFraction = fraction;
    }
  });
  if (worst >= 0) return [worst];
  if (segments.length <= maxSegments) return null;
  const run = segments.length - maxSegments + 1;
  let best = 0;
  let bestLive = Infinity;
  for (let start = 0; start + run <= segments.length; start++) {
    let live = 0;
    for (let i = start; i < start + run; i++) live += segments[i]!.docs - segments[i]!.deleted;
    if (live < bestLive) {
      bestLive = live;
      best = start;
    }
  }
  return Array.from({ length: run }, (_, i) => best + i);
}
