import { setTimeout as sleep } from "node:timers/promises";
import type { TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import { sampleCdr } from "../support/payloads";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { answeredInboundCall, sampleTelCdrs } from "../support/tel-cdr-samples";
import { startTestService, uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

jest.setTimeout(60_000);

const ADMIN_TOKEN = "admin-token-for-tests-0123456789";
const HOUR = 3600;

interface RunView {
  id: string;
  status: string;
  fetched: number;
  created: number;
  failedRecords: number;
  error: string | null;
  missingCount: number;
  missingSessionIds: string[];
}

describe("admin API for reconciliation", () => {
  const context = useReconcileService({ ADMIN_TOKEN, RECONCILE_MAX_WINDOW_SEC: String(HOUR) });

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${context.service.url}${path}`, { ...init, headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_TOKEN}` } });

  async function runsOf(appId: number): Promise<RunView[]> {
    return ((await (await admin(`/admin/reconcile/runs?sdkAppId=${appId}`)).json()) as { runs: RunView[] }).runs;
  }

  it("reconciles a range on request, answers the run ids at once, and lists the runs with the sessions they found missing", async () => {
    const appId = uniqueSdkAppId();
    const from = (Math.floor(nowSec() / HOUR) - 3) * HOUR;
    const calls = sampleTelCdrs(appId, 5, from + 60, 60);
    context.fixture.fake.source.add(appId, ...calls);
    const pushed = calls[0] as { SessionId: string };
    await context.service.push("cdr", sampleCdr(appId, pushed.SessionId));

    const response = await admin("/admin/reconcile", { method: "POST", body: JSON.stringify({ sdkAppId: appId, from, to: new Date((from + HOUR) * 1000).toISOString() }) });

    expect(response.status).toBe(202);
    const { runIds } = (await response.json()) as { runIds: string[] };
    expect(runIds).toHaveLength(1);
    let runs = await runsOf(appId);
    while (runs[0]?.status !== "succeeded") {
      expect(["queued", "running"]).toContain(runs[0]?.status);
      await sleep(100);
      runs = await runsOf(appId);
    }
    expect(runs).toEqual([expect.objectContaining({ id: runIds[0], status: "succeeded", created: 4, missingCount: 4 })]);
    expect(runs[0]?.missingSessionIds.sort()).toEqual(calls.slice(1).map((call) => (call as { SessionId: string }).SessionId).sort());
  });

  it("asking twice for the same range queues one run per window", async () => {
    const appId = uniqueSdkAppId();
    const from = (Math.floor(nowSec() / HOUR) - 5) * HOUR;
    const body = JSON.stringify({ sdkAppId: appId, from, to: from + 2 * HOUR });

    const [first, second] = await Promise.all([admin("/admin/reconcile", { method: "POST", body }), admin("/admin/reconcile", { method: "POST", body })]);

    const firstIds = ((await first.json()) as { runIds: string[] }).runIds;
    const secondIds = ((await second.json()) as { runIds: string[] }).runIds;
    expect(firstIds).toHaveLength(2);
    expect(secondIds).toEqual(firstIds);
  });

  async function settledRunsOf(appId: number): Promise<RunView[]> {
    for (;;) {
      const runs = await runsOf(appId);
      if (runs.length > 0 && runs.every((run) => run.status === "succeeded" || run.status === "failed")) return runs;
      await sleep(100);
    }
  }

  it("shows a run with records it could not read as failed, lists those records and replays them, one or all", async () => {
    const appId = uniqueSdkAppId();
    const from = (Math.floor(nowSec() / HOUR) - 3) * HOUR;
    const brokenSession = uniqueSessionId();
    // off the API's contract on purpose: a recording URL that is a number
    const broken = { ...answeredInboundCall(brokenSession, from + 600), RecordURL: 42 } as unknown as TelCdrInfo;
    context.fixture.fake.source.add(appId, ...sampleTelCdrs(appId, 2, from + 60, 60), broken);
    // and one that an older, buggier version could not read although nothing is wrong with it
    const fixable = answeredInboundCall(uniqueSessionId(), from + 900);
    await context.service.database.prisma.telCdrRecord.create({
      data: { sdkAppId: BigInt(appId), recordKey: fixable.SessionId, sessionId: fixable.SessionId, body: fixable, status: "failed", error: "bug in v0.9" },
    });

    await admin("/admin/reconcile", { method: "POST", body: JSON.stringify({ sdkAppId: appId, from, to: from + HOUR }) });

    const [run] = await settledRunsOf(appId);
    expect(run).toMatchObject({ status: "failed", fetched: 3, created: 2, failedRecords: 1 });
    expect(run!.error).toContain(`${brokenSession}: RecordURL: must be an http(s) URL, not the number 42`);
    const listed = (await (await admin(`/admin/reconcile/records?status=failed&sdkAppId=${appId}`)).json()) as { records: { id: string; sessionId: string; error: string }[] };
    expect(listed.records.map((record) => [record.sessionId, record.error]).sort()).toEqual(
      [
        [brokenSession, "RecordURL: must be an http(s) URL, not the number 42"],
        [fixable.SessionId, "bug in v0.9"],
      ].sort(),
    );

    const brokenId = listed.records.find((record) => record.sessionId === brokenSession)!.id;
    const one = await admin(`/admin/reconcile/records/${brokenId}/replay`, { method: "POST" });
    expect(await one.json()).toEqual({ id: brokenId, status: "failed", error: "RecordURL: must be an http(s) URL, not the number 42" });

    const bulk = await admin("/admin/reconcile/records/replay", { method: "POST", body: JSON.stringify({ status: "failed", sdkAppId: String(appId) }) });
    expect(bulk.status).toBe(202);
    const session = { sdkAppId: BigInt(appId), sessionId: fixable.SessionId };
    while ((await context.service.database.prisma.callSession.count({ where: session })) === 0) await sleep(100);
    const fixed = await context.service.database.prisma.telCdrRecord.findFirstOrThrow({ where: { sdkAppId: BigInt(appId), recordKey: fixable.SessionId } });
    expect(fixed).toMatchObject({ status: "processed", error: null, replayCount: 1 });
    expect(await context.service.database.prisma.callSession.findUniqueOrThrow({ where: { sdkAppId_sessionId: session } })).toMatchObject({ source: "reconcile", asrStatus: "Complete" });
  });

  it("says what is wrong with a request", async () => {
    const response = await admin("/admin/reconcile", { method: "POST", body: JSON.stringify({ sdkAppId: "x", from: "yesterday" }) });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/^invalid body: .*sdkAppId.*from.*to/);
  });
});

describe("admin API for reconciliation when it is not configured", () => {
  it("answers 409 with the reason", async () => {
    const service = await startTestService({ ADMIN_TOKEN });
    try {
      const response = await fetch(`${service.url}/admin/reconcile`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ sdkAppId: 1, from: 0, to: 3600 }),
      });
      expect(response.status).toBe(409);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/reconciliation is disabled/);
    } finally {
      await service.stop();
    }
  });
});
