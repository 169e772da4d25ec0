import { randomUUID } from "node:crypto";
import type { Prisma } from "../../src/generated/prisma/client";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

describe("admin API for pushes", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ ADMIN_TOKEN });
  });
  afterAll(() => service.stop());

  const admin = (path: string, init: RequestInit = {}, token: string | null = ADMIN_TOKEN) =>
    fetch(`${service.url}${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...init.headers },
    });

  /** A push an older, buggier version of the service refused: stored as failed although its body is fine. */
  async function storeFailedPush(appId: number, sessionId: string): Promise<string> {
    const pushUuid = `old-bug-${randomUUID()}`;
    await service.database.prisma.pushInbox.create({
      data: { pushUuid, action: "cdr", sdkAppId: BigInt(appId), sessionId, body: sampleCdr(appId, sessionId) as Prisma.InputJsonObject, status: "failed", error: "bug in v0.9" },
    });
    return pushUuid;
  }

  it.each([
    ["GET", "/admin/pushes"],
    ["POST", "/admin/pushes/replay"],
    ["POST", "/admin/pushes/some-uuid/replay"],
  ])("refuses %s %s without the admin token, or with a wrong one", async (method, path) => {
    const missing = await admin(path, { method }, null);
    const wrong = await admin(path, { method }, "not-the-admin-token-at-all");

    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toBe("invalid admin token");
  });

  it("lists failed pushes of an app with their errors", async () => {
    const appId = uniqueSdkAppId();
    await service.push("cdr", { SdkAppId: appId, Caller: "1" }, { pushUuid: `failed-${appId}` });
    await service.push("cdr", sampleCdr(appId, uniqueSessionId()), { pushUuid: `ok-${appId}` });

    const response = await admin(`/admin/pushes?status=failed&sdkAppId=${appId}&limit=10`);

    expect(response.status).toBe(200);
    const { pushes } = (await response.json()) as { pushes: { pushUuid: string; status: string; error: string; sdkAppId: string }[] };
    expect(pushes).toEqual([expect.objectContaining({ pushUuid: `failed-${appId}`, status: "failed", sdkAppId: String(appId), error: "SessionId: SessionId is required" })]);
  });

  it("rejects a bad filter with a message naming it", async () => {
    const response = await admin("/admin/pushes?status=maybe");

    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/^invalid query: status:/);
  });

  it("replays a failed push after the cause is fixed: the push becomes processed and its rows appear", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const pushUuid = await storeFailedPush(appId, sessionId);

    const response = await admin(`/admin/pushes/${pushUuid}/replay`, { method: "POST" });

    expect(await response.json()).toEqual({ pushUuid, status: "processed", error: null });
    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } });
    expect(stored).toMatchObject({ status: "processed", error: null, replayCount: 1 });
    expect(stored.lastReplayedAt).toBeInstanceOf(Date);
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId), sessionId } })).toBe(1);
  });

  it("replays idempotently: twice, or twice at once, leaves one set of rows", async () => {
    const appId = uniqueSdkAppId();
    const pushUuid = await storeFailedPush(appId, uniqueSessionId());

    await Promise.all([admin(`/admin/pushes/${pushUuid}/replay`, { method: "POST" }), admin(`/admin/pushes/${pushUuid}/replay`, { method: "POST" })]);
    await admin(`/admin/pushes/${pushUuid}/replay`, { method: "POST" });

    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
    expect(await service.database.prisma.callParticipant.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
    expect((await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } })).replayCount).toBe(3);
  });

  it("records a replay that still fails, with the current error", async () => {
    const appId = uniqueSdkAppId();
    await service.push("cdr", { SdkAppId: appId }, { pushUuid: `still-bad-${appId}` });

    const response = await admin(`/admin/pushes/still-bad-${appId}/replay`, { method: "POST" });

    expect(await response.json()).toEqual({ pushUuid: `still-bad-${appId}`, status: "failed", error: "SessionId: SessionId is required" });
  });

  it("answers 404 for a push it does not have", async () => {
    const response = await admin(`/admin/pushes/${randomUUID()}/replay`, { method: "POST" });

    expect(response.status).toBe(404);
  });

  it("replays all failed pushes of an app as a job", async () => {
    const appId = uniqueSdkAppId();
    const uuids = await Promise.all([1, 2, 3].map(() => storeFailedPush(appId, uniqueSessionId())));

    const response = await admin("/admin/pushes/replay", { method: "POST", body: JSON.stringify({ status: "failed", sdkAppId: String(appId) }) });

    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    const job = await service.jobs.getJob("replay-pushes", jobId);
    const events = new (await import("bullmq")).QueueEvents("replay-pushes", { connection: { url: "redis://127.0.0.1:6379" }, prefix: service.jobs.prefix });
    try {
      await expect(job?.waitUntilFinished(events, 20_000)).resolves.toEqual({ total: 3, replayed: 3, processed: 3, failed: 0 });
    } finally {
      await events.close();
    }
    const stored = await service.database.prisma.pushInbox.findMany({ where: { pushUuid: { in: uuids } } });
    expect(stored.map((push) => push.status)).toEqual(["processed", "processed", "processed"]);
  });
});
