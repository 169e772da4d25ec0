import { sampleCdr, sampleRecord } from "../support/payloads";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { sampleTelCdr } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

describe("a reconcile run over a window", () => {
  const context = useReconcileService();

  const window = () => ({ start: nowSec() - 3 * 3600, end: nowSec() - 600 });

  it("stores calls no push delivered, and lists them as missing in the run", async () => {
    const appId = uniqueSdkAppId();
    const [pushed, lostA, lostB] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
    const start = nowSec() - 2 * 3600;
    context.fixture.fake.source.add(sampleTelCdr(appId, pushed, start), sampleTelCdr(appId, lostA, start + 60), sampleTelCdr(appId, lostB, start + 120));
    await context.service.push("cdr", sampleCdr(appId, pushed, { StartTimestamp: start }));

    const result = await context.service.reconciliation!.reconcileWindow(appId, window());

    expect(result).toMatchObject({ status: "succeeded", fetched: 3, created: 2, updated: 1, unchanged: 0 });
    const run = await context.service.database.prisma.reconcileRun.findUniqueOrThrow({ where: { id: result.runId }, include: { missingSessions: true } });
    expect(run).toMatchObject({ sdkAppId: BigInt(appId), status: "succeeded", fetched: 3, created: 2, updated: 1, unchanged: 0, error: null });
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.missingSessions.map((missing) => missing.sessionId).sort()).toEqual([lostA, lostB].sort());
    const sessions = await context.service.database.prisma.callSession.findMany({ where: { sdkAppId: BigInt(appId) }, orderBy: { startAt: "asc" } });
    expect(sessions.map((session) => [session.sessionId, session.source])).toEqual([
      [pushed, "push"],
      [lostA, "reconcile"],
      [lostB, "reconcile"],
    ]);
  });

  it("merges into what pushes stored: one session, one participant per leg, one recording per track", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const start = nowSec() - 2 * 3600;
    const listed = sampleTelCdr(appId, sessionId, start);
    const agentLeg = (listed.ServeParticipants as Record<string, unknown>[])[0]!;
    context.fixture.fake.source.add(listed);
    await context.service.push("cdr", sampleCdr(appId, sessionId, { StartTimestamp: start }));
    await context.service.push("record", sampleRecord(appId, sessionId, { RecordId: agentLeg.RecordId, RecordURL: agentLeg.RecordURL }));

    await context.service.reconciliation!.reconcileWindow(appId, window());

    const where = { sdkAppId: BigInt(appId), sessionId };
    const prisma = context.service.database.prisma;
    expect(await prisma.callSession.count({ where })).toBe(1);
    expect(await prisma.callParticipant.count({ where })).toBe(1);
    const recordings = await prisma.recording.findMany({ where, orderBy: [{ kind: "asc" }, { trackKey: "asc" }] });
    expect(recordings.map((recording) => [recording.kind, recording.recordId])).toEqual([
      ["call", agentLeg.RecordId],
      ["call", listed.RecordId],
      ["voicemail", null],
    ]);
  });

  it("fills the fields only the API has", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    context.fixture.fake.source.add(sampleTelCdr(appId, sessionId, nowSec() - 2 * 3600));

    await context.service.reconciliation!.reconcileWindow(appId, window());

    const session = await context.service.database.prisma.callSession.findUniqueOrThrow({ where: { sdkAppId_sessionId: { sdkAppId: BigInt(appId), sessionId } } });
    expect(session).toMatchObject({
      asrUrl: `https://asr.example.com/${sessionId}.json`,
      protectedCaller: "0086400****6666",
      protectedCallee: "0086184****7605",
      remark: "callback requested",
      endStatusCode: 1,
      durationSec: 60,
    });
    const urls = await context.service.database.prisma.recording.findMany({ where: { sdkAppId: BigInt(appId), sessionId }, select: { recordUrl: true } });
    expect(urls.map((row) => row.recordUrl?.replace(/^.*\//, "")).sort()).toEqual(["agent.mp3", "customer.mp3", "voicemail.mp3?sign=abc"]);
  });
});
