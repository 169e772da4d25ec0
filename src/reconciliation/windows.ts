/**
 * Which time windows to ask DescribeTelCdr for. Pure functions over unix seconds, so the rules are testable alone.
 * The API takes StartTimeStamp at most 180 days back and a window shorter than 90 days.
 */
export interface TimeWindow {
  /** Unix seconds. */
  start: number;
  end: number;
}

const DAY_SEC = 86_400;
export const API_MAX_LOOKBACK_SEC = 180 * DAY_SEC;
/**
 * A window is computed, queued and then requested: keep its start an hour inside the 180 days so it is still
 * accepted when its request is finally signed.
 */
const LOOKBACK_SAFETY_SEC = 3600;

export function oldestQueryableSec(nowSec: number): number {
  return nowSec - API_MAX_LOOKBACK_SEC + LOOKBACK_SAFETY_SEC;
}

/**
 * Cuts [from, to) into windows of at most `maxSpanSec`, cut at multiples of `maxSpanSec` since the epoch: the same
 * range always yields the same windows, which is what makes repeated backfill requests land on the same jobs.
 */
export function splitRange(from: number, to: number, maxSpanSec: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  for (let start = from; start < to; ) {
    const end = Math.min(to, (Math.floor(start / maxSpanSec) + 1) * maxSpanSec);
    windows.push({ start, end });
    start = end;
  }
  return windows;
}

export interface SweepSettings {
  lagSec: number;
  overlapSec: number;
  initialLookbackSec: number;
  maxWindowSec: number;
}

/**
 * The windows a scheduled sweep reads: from the watermark minus the overlap (calls listed late, e.g. long calls, are
 * read again) to now minus the lag (calls still in progress are not listed yet). First sweep: the initial lookback.
 */
export function sweepWindows(watermarkSec: number | undefined, nowSec: number, settings: SweepSettings): TimeWindow[] {
  const wanted = watermarkSec === undefined ? nowSec - settings.initialLookbackSec : watermarkSec - settings.overlapSec;
  return splitRange(Math.max(wanted, oldestQueryableSec(nowSec)), nowSec - settings.lagSec, settings.maxWindowSec);
}

export class BackfillRangeError extends Error {
  override readonly name = "BackfillRangeError";
}

/** Checks an operator's range against what the API can serve, then splits it. */
export function backfillWindows(from: number, to: number, nowSec: number, maxWindowSec: number): TimeWindow[] {
  if (!(from < to)) throw new BackfillRangeError("the range is empty: 'from' must be before 'to'");
  if (to > nowSec) throw new BackfillRangeError("the range ends in the future");
  if (from < oldestQueryableSec(nowSec)) {
    throw new BackfillRangeError(`the range starts too far back: DescribeTelCdr serves the last ${API_MAX_LOOKBACK_SEC / DAY_SEC} days, less an hour of margin`);
  }
  return splitRange(from, to, maxWindowSec);
}
