import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { sampleTelCdr } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

const LAG = 300;
const OVERLAP = 1800;

describe("the scheduled sweep of an application", () => {
  const context = useReconcileService({
    RECONCILE_INITIAL_LOOKBACK: "6h",
    RECONCILE_LAG_SEC: String(LAG),
    RECONCILE_OVERLAP_SEC: String(OVERLAP),
    RECONCILE_MAX_WINDOW_SEC: "86400",
  });
  const windowsOf = (runs: { runId: bigint }[]) =>
    Promise.all(runs.map((run) => context.service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: run.runId } })));
  const seconds = (date: Date) => date.getTime() / 1000;

  it("first reads RECONCILE_INITIAL_LOOKBACK back, stops RECONCILE_LAG_SEC before now, and sets the watermark", async () => {
    const appId = uniqueSdkAppId();
    const now = nowSec();
    const [tooOld, inside, inProgress] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
    context.fixture.fake.source.add(appId, sampleTelCdr(tooOld, now - 7 * 3600), sampleTelCdr(inside, now - 3600), sampleTelCdr(inProgress, now - 60));

    const results = await context.service.reconciliation!.sweep(BigInt(appId));

    const runs = await windowsOf(results);
    expect(seconds(runs[0]!.windowStart)).toBeCloseTo(now - 6 * 3600, -1);
    expect(seconds(runs.at(-1)!.windowEnd)).toBeCloseTo(now - LAG, -1);
    expect(runs.every((run) => run.status === "succeeded")).toBe(true);
    const stored = await context.service.database.prisma.callSession.findMany({ where: { sdkAppId: BigInt(appId) }, select: { sessionId: true } });
    expect(stored.map((row) => row.sessionId)).toEqual([inside]);
    const watermark = await context.service.database.prisma.reconcileWatermark.findUniqueOrThrow({ where: { sdkAppId: BigInt(appId) } });
    expect(watermark.reconciledUntil).toEqual(runs.at(-1)!.windowEnd);
  });

  it("then starts RECONCILE_OVERLAP_SEC before the watermark, so calls listed late are still found", async () => {
    const appId = uniqueSdkAppId();
    await context.service.reconciliation!.sweep(BigInt(appId));
    const { reconciledUntil } = await context.service.database.prisma.reconcileWatermark.findUniqueOrThrow({ where: { sdkAppId: BigInt(appId) } });
    const listedLate = uniqueSessionId();
    context.fixture.fake.source.add(appId, sampleTelCdr(listedLate, seconds(reconciledUntil) - 600));

    const [next] = await context.service.reconciliation!.sweep(BigInt(appId));

    const [run] = await windowsOf([next!]);
    expect(seconds(run!.windowStart)).toBe(seconds(reconciledUntil) - OVERLAP);
    expect(next).toMatchObject({ status: "succeeded", created: 1 });
    const missing = await context.service.database.prisma.reconcileMissingSession.findMany({ where: { runId: next!.runId } });
    expect(missing.map((row) => row.sessionId)).toEqual([listedLate]);
  });
});
