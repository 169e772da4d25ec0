import { randomUUID } from "node:crypto";
import type { Prisma } from "../../src/generated/prisma/client";
import { sampleCdr, sampleRecord } from "../support/payloads";
import { runCli } from "../support/run-cli";
import { answeredInboundCall } from "../support/tel-cdr-samples";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

jest.setTimeout(60_000);

describe("the CLI's replay and status, against a running service", () => {
  const queuePrefix = `{tccc-cli-${randomUUID().slice(0, 8)}}`;
  const cli = (...args: string[]) => runCli(args, { QUEUE_PREFIX: queuePrefix });
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ QUEUE_PREFIX: queuePrefix });
  });
  afterAll(() => service.stop());

  /** A push an older, buggier version refused: stored as failed although its body is fine. */
  async function storeFailedPush(appId: number, body = sampleCdr(appId, uniqueSessionId())): Promise<string> {
    const pushUuid = `old-bug-${randomUUID()}`;
    await service.database.prisma.pushInbox.create({
      data: { pushUuid, action: "cdr", sdkAppId: BigInt(appId), body: body as Prisma.InputJsonObject, status: "failed", error: "bug in v0.9" },
    });
    return pushUuid;
  }

  const statusOf = async (pushUuid: string) => (await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } })).status;

  it("replay <pushUuid> processes a push that failed before a fix, and exits 0", async () => {
    const appId = uniqueSdkAppId();
    const pushUuid = await storeFailedPush(appId);

    const { code, stdout } = await cli("replay", pushUuid);

    expect(code).toBe(0);
    expect(stdout).toBe(`${pushUuid}: processed\n`);
    expect(await statusOf(pushUuid)).toBe("processed");
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
  });

  it("replay <pushUuid> exits 1 with the reason when the push still fails, and when there is no such push", async () => {
    const broken = await storeFailedPush(uniqueSdkAppId(), { SdkAppId: 1, Caller: "1" });

    const stillFailing = await cli("replay", broken);
    const unknown = await cli("replay", "no-such-push");

    expect(stillFailing).toMatchObject({ code: 1, stdout: `${broken}: failed: SessionId: SessionId is required\n` });
    expect(unknown).toMatchObject({ code: 1, stderr: "no push with uuid no-such-push\n" });
  });

  it("replay --status failed --sdk-app-id N replays all of them with progress, and exits 1 when some still fail", async () => {
    const appId = uniqueSdkAppId();
    const fixable = await Promise.all([1, 2, 3].map(() => storeFailedPush(appId)));
    const broken = await storeFailedPush(appId, { SdkAppId: appId, Caller: "1" });

    const { code, stdout, stderr } = await cli("replay", "--status", "failed", "--sdk-app-id", String(appId), "--action", "cdr");

    expect(code).toBe(1);
    expect(stderr).toContain("replayed 4/4");
    expect(stdout).toBe("replayed 4 pushes: 3 processed, 1 still failed\n");
    expect(await Promise.all(fixable.map(statusOf))).toEqual(["processed", "processed", "processed"]);
    expect(await statusOf(broken)).toBe("failed");

    const again = await cli("replay", "--status", "failed", "--sdk-app-id", String(appId));
    expect(again).toMatchObject({ code: 1, stdout: "replayed 1 pushes: 0 processed, 1 still failed\n" });
  });

  it("status --json reports queues, failed pushes, reconciliation lag and the mirror backlog of an application", async () => {
    const appId = uniqueSdkAppId();
    const { prisma } = service.database;
    await storeFailedPush(appId);
    await storeFailedPush(appId);
    await service.push("record", sampleRecord(appId, uniqueSessionId()));
    // whole seconds: the column keeps no fraction
    const watermark = new Date(Math.floor(Date.now() / 1000 - 20 * 60) * 1000);
    const run = await prisma.reconcileRun.create({
      data: { sdkAppId: BigInt(appId), windowStart: new Date(watermark.getTime() - 3600_000), windowEnd: watermark, status: "succeeded", finishedAt: new Date() },
    });
    await prisma.reconcileWatermark.create({ data: { sdkAppId: BigInt(appId), reconciledUntil: watermark } });

    const { code, stdout } = await cli("status", "--sdk-app-id", String(appId), "--json");

    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status.failedPushes).toEqual({ total: 2, byAction: { cdr: 2 } });
    expect(status.mirrorBacklog).toMatchObject({ pending: 1, failed: 0 });
    expect(status.reconciliation).toEqual([
      expect.objectContaining({ sdkAppId: String(appId), reconciledUntil: watermark.toISOString(), lastRun: expect.objectContaining({ id: String(run.id), status: "succeeded" }) }),
    ]);
    expect(status.reconciliation[0].lagSec).toBeGreaterThanOrEqual(20 * 60);
    expect(status.reconciliation[0].lagSec).toBeLessThan(22 * 60);
    // the running service's worker declared this queue; the CLI finds it in Redis
    expect(status.queues["replay-pushes"]).toEqual(expect.objectContaining({ waiting: 0, active: 0, failed: 0 }));
  });

  it("status prints the same for people", async () => {
    const appId = uniqueSdkAppId();
    await storeFailedPush(appId);

    const { code, stdout } = await cli("status", "--sdk-app-id", String(appId));

    expect(code).toBe(0);
    expect(stdout).toMatch(/^queues \(prefix \{tccc-cli-[0-9a-f]{8}\}\):\n/);
    expect(stdout).toMatch(/^ {2}replay-pushes +waiting 0 {2}active 0/m);
    expect(stdout).toContain("failed pushes: 1 (cdr 1)\nfailed DescribeTelCdr records: 0\nreconciliation:\n  no run yet\nmirror backlog: 0 pending, 0 failed\n");
  });

  /** A DescribeTelCdr record as a run stored it, `body` as the API listed it. */
  const storeApiRecord = (appId: number, body: object, status: string, error: string | null) => {
    const sessionId = (body as { SessionId?: string }).SessionId;
    return service.database.prisma.telCdrRecord.create({
      data: { sdkAppId: BigInt(appId), recordKey: sessionId ?? `sha256:${randomUUID()}`, sessionId: sessionId ?? null, body: body as Prisma.InputJsonObject, status, error },
    });
  };

  it("replay --api replays the stored DescribeTelCdr records, one by id or all matching a filter", async () => {
    const appId = uniqueSdkAppId();
    const fixable = await Promise.all([1, 2].map(() => storeApiRecord(appId, answeredInboundCall(uniqueSessionId(), 1_779_000_000), "failed", "bug in v0.9")));
    const { SessionId: _none, ...withoutSessionId } = answeredInboundCall(uniqueSessionId(), 1_779_000_000);
    const broken = await storeApiRecord(appId, withoutSessionId, "failed", "SessionId: SessionId is required");

    const one = await cli("replay", "--api", String(broken.id));
    const all = await cli("replay", "--api", "--status", "failed", "--sdk-app-id", String(appId));
    const unknown = await cli("replay", "--api", "999999999999");
    const mixed = await cli("replay", "--api", "--action", "cdr");

    expect(one).toMatchObject({ code: 1, stdout: `record ${broken.id}: failed: SessionId: SessionId is required\n` });
    expect(all).toMatchObject({ code: 1, stdout: "replayed 3 DescribeTelCdr records: 2 processed, 1 still failed\n" });
    expect(all.stderr).toContain("replayed 3/3");
    expect(unknown).toMatchObject({ code: 1, stderr: "no DescribeTelCdr record with id 999999999999\n" });
    expect(mixed.code).toBe(2);
    const rows = await service.database.prisma.telCdrRecord.findMany({ where: { id: { in: fixable.map((row) => row.id) } } });
    expect(rows.map((row) => [row.status, row.error, row.replayCount])).toEqual([
      ["processed", null, 1],
      ["processed", null, 1],
    ]);
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(2);
  });

  it("status shows a run that could not read every record as failed, and counts the failed DescribeTelCdr records", async () => {
    const appId = uniqueSdkAppId();
    const { prisma } = service.database;
    await storeApiRecord(appId, { SessionId: "s-1" }, "failed", "RecordURL: must be an http(s) URL, not the number 42");
    const run = await prisma.reconcileRun.create({
      data: {
        sdkAppId: BigInt(appId),
        windowStart: new Date("2026-12-01T00:00:00Z"),
        windowEnd: new Date("2026-12-01T01:00:00Z"),
        status: "failed",
        fetched: 3,
        created: 2,
        failedRecords: 1,
        finishedAt: new Date(),
        error: "1 records could not be read (kept in tel_cdr_records): s-1: RecordURL: must be an http(s) URL, not the number 42",
      },
    });

    const json = JSON.parse((await cli("status", "--sdk-app-id", String(appId), "--json")).stdout);
    const text = (await cli("status", "--sdk-app-id", String(appId))).stdout;

    expect(json.failedApiRecords).toBe(1);
    expect(json.reconciliation[0].lastRun).toMatchObject({ id: String(run.id), status: "failed", fetched: 3, failedRecords: 1 });
    expect(text).toContain("failed DescribeTelCdr records: 1\n");
    expect(text).toContain(`last run #${run.id} failed (1 of 3 records could not be read) at `);
  });
});
