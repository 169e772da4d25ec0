import { sampleCdr, sampleRecord } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

describe("deduplication of pushes", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.stop());

  it("stores one push and one set of rows when the same X-TCCC-PUSH-UUID arrives 50 times at once, and answers all 50 with ErrCode 0", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const pushUuid = `dup-${sessionId}`;
    const body = sampleCdr(appId, sessionId);

    const answers = await Promise.all(Array.from({ length: 50 }, () => service.push("cdr", body, { pushUuid })));

    expect(answers.map((answer) => answer.body.ErrCode)).toEqual(Array(50).fill(0));
    const inbox = await service.database.prisma.pushInbox.findMany({ where: { pushUuid } });
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.duplicateCount).toBe(49);
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
    expect(await service.database.prisma.callParticipant.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
  });

  it("treats identical bytes for the same action as one push when the header is absent", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const body = JSON.stringify(sampleRecord(appId, sessionId));

    await service.push("record", body);
    await service.push("record", body);

    const inbox = await service.database.prisma.pushInbox.findMany({ where: { sdkAppId: BigInt(appId) } });
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.pushUuid).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(inbox[0]?.duplicateCount).toBe(1);
  });

  it("keeps pushes with different UUIDs apart even when their bodies are equal", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const body = sampleCdr(appId, sessionId);

    await service.push("cdr", body, { pushUuid: `a-${sessionId}` });
    await service.push("cdr", body, { pushUuid: `b-${sessionId}` });

    expect(await service.database.prisma.pushInbox.count({ where: { sdkAppId: BigInt(appId) } })).toBe(2);
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
  });
});
