import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, type TestService } from "../support/test-service";

describe("reading a window again", () => {
  const context = useReconcileService();

  it("changes nothing: created 0, updated 0, no session missing, no new row", async () => {
    const appId = uniqueSdkAppId();
    context.fixture.fake.source.add(...sampleTelCdrs(appId, 250, nowSec() - 2 * 3600));
    const window = { start: nowSec() - 3 * 3600, end: nowSec() - 600 };
    const first = await context.service.reconciliation!.reconcileWindow(appId, window);
    const prisma = context.service.database.prisma;
    const rowsAfterFirst = await countRows(context.service, appId);

    const second = await context.service.reconciliation!.reconcileWindow(appId, window);

    expect(first).toMatchObject({ status: "succeeded", fetched: 250, created: 250, updated: 0, unchanged: 0 });
    expect(second).toMatchObject({ status: "succeeded", fetched: 250, created: 0, updated: 0, unchanged: 250 });
    expect(await prisma.reconcileMissingSession.count({ where: { runId: second.runId } })).toBe(0);
    expect(await countRows(context.service, appId)).toEqual(rowsAfterFirst);
    expect(rowsAfterFirst).toEqual({ sessions: 250, participants: 250, recordings: 750 });
  });
});

async function countRows(service: TestService, appId: number) {
  const where = { sdkAppId: BigInt(appId) };
  const prisma = service.database.prisma;
  return {
    sessions: await prisma.callSession.count({ where }),
    participants: await prisma.callParticipant.count({ where }),
    recordings: await prisma.recording.count({ where }),
  };
}
