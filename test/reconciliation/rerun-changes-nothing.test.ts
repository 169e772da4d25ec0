import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { rowsListed, sampleTelCdrs } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, type TestService } from "../support/test-service";

describe("reading a window again", () => {
  const context = useReconcileService();

  it("changes nothing: created 0, updated 0, no session missing, no new row, no row rewritten", async () => {
    const appId = uniqueSdkAppId();
    const listed = sampleTelCdrs(appId, 250, nowSec() - 2 * 3600);
    context.fixture.fake.source.add(appId, ...listed);
    const window = { start: nowSec() - 3 * 3600, end: nowSec() - 600 };
    const first = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window);
    const prisma = context.service.database.prisma;
    const rowsAfterFirst = await countRows(context.service, appId);
    const lastWrittenAfterFirst = await lastWritten(context.service, appId);

    const second = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window);

    expect(first).toMatchObject({ status: "succeeded", fetched: 250, created: 250, updated: 0, unchanged: 0, failedRecords: 0 });
    expect(second).toMatchObject({ status: "succeeded", fetched: 250, created: 0, updated: 0, unchanged: 250, failedRecords: 0 });
    expect(await prisma.reconcileMissingSession.count({ where: { runId: second.runId } })).toBe(0);
    expect(await countRows(context.service, appId)).toEqual(rowsAfterFirst);
    expect(rowsAfterFirst).toEqual({ ...rowsListed(listed), rawRecords: 250 });
    expect(await lastWritten(context.service, appId)).toEqual(lastWrittenAfterFirst);
  });
});

async function countRows(service: TestService, appId: number) {
  const where = { sdkAppId: BigInt(appId) };
  const prisma = service.database.prisma;
  return {
    sessions: await prisma.callSession.count({ where }),
    participants: await prisma.callParticipant.count({ where }),
    recordings: await prisma.recording.count({ where }),
    rawRecords: await prisma.telCdrRecord.count({ where }),
  };
}

/** The latest updated_at of each call table: a row rewritten with the same values would move it. */
async function lastWritten(service: TestService, appId: number) {
  return service.database.prisma.$queryRaw<{ table: string; at: Date }[]>`
    SELECT 'sessions' AS table, max(updated_at) AS at FROM call_sessions WHERE sdk_app_id = ${appId}
    UNION ALL SELECT 'participants', max(updated_at) FROM call_participants WHERE sdk_app_id = ${appId}
    UNION ALL SELECT 'recordings', max(updated_at) FROM recordings WHERE sdk_app_id = ${appId}`;
}
