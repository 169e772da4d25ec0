import { setTimeout as sleep } from "node:timers/promises";
import type { BackfillProgress, BackfillRequest, ReconciliationService } from "../../src/reconciliation/reconciliation-service";
import { BackfillRangeError } from "../../src/reconciliation/windows";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId } from "../support/test-service";

jest.setTimeout(60_000);

const HOUR = 3600;

async function progressWhenDone(reconciliation: ReconciliationService, request: BackfillRequest): Promise<BackfillProgress> {
  for (;;) {
    const progress = await reconciliation.backfillProgress(request);
    if (progress.succeeded + progress.failed === progress.total) return progress;
    await sleep(100);
  }
}

describe("a backfill", () => {
  const context = useReconcileService({ RECONCILE_MAX_WINDOW_SEC: String(HOUR) });
  const reconciliation = () => context.service.reconciliation!;

  it("splits the range into windows the API accepts, runs them as jobs and reports each run", async () => {
    const appId = uniqueSdkAppId();
    const from = (Math.floor(nowSec() / HOUR) - 5) * HOUR + 900;
    context.fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 300, from, 36)); // 3 hours of calls

    const request = await reconciliation().requestBackfill(BigInt(appId), new Date(from * 1000), new Date((from + 3 * HOUR) * 1000));

    expect(request.windows).toEqual([
      { start: from, end: from + 2700 },
      { start: from + 2700, end: from + 2700 + HOUR },
      { start: from + 2700 + HOUR, end: from + 2700 + 2 * HOUR },
      { start: from + 2700 + 2 * HOUR, end: from + 3 * HOUR },
    ]);
    const progress = await progressWhenDone(reconciliation(), request);
    expect(progress).toMatchObject({ total: 4, succeeded: 4, failed: 0, running: 0, pending: 0 });
    expect(progress.runs.reduce((sum, run) => sum + run.created, 0)).toBe(300);
    expect(new Set(progress.runs.map((run) => run.id)).size).toBe(4);
    expect(await context.service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(300);
    expect(await context.service.database.prisma.reconcileWatermark.findUnique({ where: { sdkAppId: BigInt(appId) } })).toBeNull();
  });

  it("is idempotent: asked twice at once it runs each window once, asked again later it changes nothing", async () => {
    const appId = uniqueSdkAppId();
    const from = nowSec() - 3 * HOUR;
    context.fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 100, from, 60));
    const range = [new Date(from * 1000), new Date((from + 2 * HOUR) * 1000)] as const;

    const [request] = await Promise.all([reconciliation().requestBackfill(BigInt(appId), ...range), reconciliation().requestBackfill(BigInt(appId), ...range)]);
    await progressWhenDone(reconciliation(), request);
    const runsAfterFirst = await context.service.database.prisma.reconcileRun.count({ where: { sdkAppId: BigInt(appId) } });
    expect(runsAfterFirst).toBe(request.windows.length);

    const again = await reconciliation().requestBackfill(BigInt(appId), ...range);
    const progress = await progressWhenDone(reconciliation(), again);

    expect(progress.succeeded).toBe(again.windows.length);
    expect(progress.runs.map((run) => [run.created, run.updated])).toEqual(again.windows.map(() => [0, 0]));
    expect(await context.service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(100);
  });

  it("refuses a range the API cannot serve", async () => {
    const appId = uniqueSdkAppId();
    const day = 86_400_000;
    await expect(reconciliation().requestBackfill(BigInt(appId), new Date(Date.now() - 181 * day), new Date(Date.now() - 170 * day))).rejects.toThrow(BackfillRangeError);
    await expect(reconciliation().requestBackfill(BigInt(appId), new Date(Date.now() - day), new Date(Date.now() + day))).rejects.toThrow(/future/);
    await expect(reconciliation().requestBackfill(BigInt(appId), new Date(Date.now() - day), new Date(Date.now() - 2 * day))).rejects.toThrow(/empty/);
  });
});
