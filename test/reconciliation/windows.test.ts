import { backfillWindows, oldestQueryableSec, splitRange, sweepWindows } from "../../src/reconciliation/windows";

const DAY = 86_400;
const NOW = 1_800_000_000;
const settings = { lagSec: 300, overlapSec: 3600, initialLookbackSec: DAY, maxWindowSec: DAY };

describe("reconcile windows", () => {
  it("are cut at multiples of the maximum span, so the same range always gives the same windows", () => {
    expect(splitRange(100, 250, 100)).toEqual([
      { start: 100, end: 200 },
      { start: 200, end: 250 },
    ]);
    expect(splitRange(150, 420, 100)).toEqual([
      { start: 150, end: 200 },
      { start: 200, end: 300 },
      { start: 300, end: 400 },
      { start: 400, end: 420 },
    ]);
    expect(splitRange(200, 200, 100)).toEqual([]);
  });

  it("of a first sweep reach RECONCILE_INITIAL_LOOKBACK back, up to now less the lag", () => {
    const windows = sweepWindows(undefined, NOW, settings);
    expect(windows[0]!.start).toBe(NOW - DAY);
    expect(windows.at(-1)!.end).toBe(NOW - 300);
  });

  it("of later sweeps start the overlap before the watermark", () => {
    expect(sweepWindows(NOW - 900, NOW, settings)[0]!.start).toBe(NOW - 900 - 3600);
  });

  it("never start more than 180 days back, even after a long outage", () => {
    const windows = sweepWindows(NOW - 365 * DAY, NOW, settings);
    expect(windows[0]!.start).toBe(oldestQueryableSec(NOW));
    expect(windows[0]!.start).toBeGreaterThan(NOW - 180 * DAY);
    expect(windows.every((window) => window.end - window.start <= DAY)).toBe(true);
  });

  it("of a backfill cover exactly the range asked for, in windows under 90 days", () => {
    const windows = backfillWindows(NOW - 170 * DAY, NOW - DAY, NOW, 89 * DAY);
    expect(windows[0]!.start).toBe(NOW - 170 * DAY);
    expect(windows.at(-1)!.end).toBe(NOW - DAY);
    expect(windows.every((window) => window.end - window.start < 90 * DAY)).toBe(true);
    windows.slice(1).forEach((window, index) => expect(window.start).toBe(windows[index]!.end));
  });
});
