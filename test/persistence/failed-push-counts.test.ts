import { randomUUID } from "node:crypto";
import type { Prisma } from "../../src/generated/prisma/client";
import { readOperationalStatus } from "../../src/observability/operational-status";
import { insertPushesOrCountDuplicates, type NewPush } from "../../src/persistence/push-inbox-repository";
import { replayPush } from "../../src/push-intake/push-replay";
import { failedCountsAndTruth } from "../support/failed-push-counts";
import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

jest.setTimeout(60_000);

/** Bodies that name their application but cannot be stored as calls: stored as failed, answered ErrCode 0. */
const unreadable = (appId: number) => ({ SdkAppId: appId, Caller: "1" });

describe("the count of failed pushes per action and application (push_inbox_failed_counts)", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.stop());

  const failedOf = async (appId: number) => (await readOperationalStatus(service.database.prisma, BigInt(appId))).failedPushes;

  it("counts failed pushes sent at once, of several actions and applications, each once however often it is retried", async () => {
    const [first, second] = [uniqueSdkAppId(), uniqueSdkAppId()];
    const pushes = Array.from({ length: 60 }, (_, index) => ({
      action: (["cdr", "record", "voicemail"] as const)[index % 3]!,
      appId: index % 2 === 0 ? first : second,
      pushUuid: `failed-${randomUUID()}`,
    }));
    const retried = pushes[0]!;

    const answers = await Promise.all([
      ...pushes.map(({ action, appId, pushUuid }) => service.push(action, unreadable(appId), { pushUuid })),
      // duplicates of a failed push, at once and later
      ...Array.from({ length: 5 }, () => service.push(retried.action, unreadable(retried.appId), { pushUuid: retried.pushUuid })),
      service.push("cdr", sampleCdr(first, uniqueSessionId())),
    ]);
    await service.push(retried.action, unreadable(retried.appId), { pushUuid: retried.pushUuid });

    expect(answers.map((answer) => answer.body.ErrCode)).toEqual(Array(66).fill(0));
    expect(await failedOf(first)).toEqual({ total: 30, byAction: { cdr: 10, record: 10, voicemail: 10 } });
    expect(await failedOf(second)).toEqual({ total: 30, byAction: { cdr: 10, record: 10, voicemail: 10 } });
    const { counted, actual } = await failedCountsAndTruth(service.database.prisma);
    expect(counted).toEqual(actual);
  });

  it("stays exact and never deadlocks when concurrent transactions store failed pushes of the same keys in any order", async () => {
    const apps = [uniqueSdkAppId(), uniqueSdkAppId()];
    const keys = apps.flatMap((appId) => ["cdr", "record"].map((action) => ({ action, sdkAppId: BigInt(appId) })));
    // batch i meets the four keys in its own rotation (the uuids sort by position): unordered, they would deadlock
    const [batches, perBatch] = [40, 16];
    const batch = (index: number): NewPush[] =>
      Array.from({ length: perBatch }, (_, position) => ({
        pushUuid: `batch-${position}-${index}-${randomUUID()}`,
        ...keys[(position + index) % keys.length]!,
        rawBody: "{}",
        status: "failed",
        error: "SessionId: SessionId is required",
      }));

    await Promise.all(Array.from({ length: batches }, (_, index) => service.database.prisma.$transaction((tx) => insertPushesOrCountDuplicates(tx, batch(index)))));

    const perKey = (batches * perBatch) / keys.length;
    for (const appId of apps) expect(await failedOf(appId)).toEqual({ total: 2 * perKey, byAction: { cdr: perKey, record: perKey } });
    const { counted, actual } = await failedCountsAndTruth(service.database.prisma);
    expect(counted).toEqual(actual);
  });

  it("follows a replay: a push that now succeeds leaves the count, one that still fails moves to the application it now names", async () => {
    const appId = uniqueSdkAppId();
    // stored as failed by an older, buggier version, before it could read the application
    const store = async (body: Record<string, unknown>) => {
      const pushUuid = `replayed-${randomUUID()}`;
      await service.database.prisma.pushInbox.create({ data: { pushUuid, action: "cdr", body: body as Prisma.InputJsonObject, status: "failed", error: "bug in v0.9" } });
      return pushUuid;
    };
    const fixable = await store(sampleCdr(appId, uniqueSessionId()));
    const broken = await store(unreadable(appId));
    const noApplication = async () => (await service.database.prisma.pushInboxFailedCount.findUnique({ where: { action_sdkAppId: { action: "cdr", sdkAppId: 0n } } }))?.count ?? 0n;
    const before = await noApplication();

    expect((await replayPush(service.database.prisma, fixable)).status).toBe("processed");
    expect((await replayPush(service.database.prisma, broken)).status).toBe("failed");
    // replayed again, still failed: counted once
    expect((await replayPush(service.database.prisma, broken)).status).toBe("failed");

    expect(await failedOf(appId)).toEqual({ total: 1, byAction: { cdr: 1 } });
    expect(before - (await noApplication())).toBe(2n);
    const { counted, actual } = await failedCountsAndTruth(service.database.prisma);
    expect(counted).toEqual(actual);
  });
});
