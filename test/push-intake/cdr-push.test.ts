import { sampleCdr } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

describe("a CDR push", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.stop());

  it("is answered ErrCode 0 after the session and its participants are stored", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    const answer = await service.push("cdr", sampleCdr(appId, sessionId), { pushUuid: `cdr-${sessionId}` });

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ErrCode: 0, ErrMsg: "" });
    const session = await service.database.prisma.callSession.findUniqueOrThrow({
      where: { sdkAppId_sessionId: { sdkAppId: BigInt(appId), sessionId } },
    });
    expect(session).toMatchObject({
      direction: 1,
      caller: "008640012346666",
      callee: "008618412347605",
      durationSec: 0,
      startAt: new Date(1677140068 * 1000),
      ringAt: new Date(1677140072 * 1000),
      endedAt: new Date(1677140081 * 1000),
      endStatus: "numberNotExist",
      hungUpSide: "seat",
      queuedSkillGroupId: 2734n,
      queuedSkillGroupName: "Outbound Consultant",
      seatUserId: "zhangsan@example.com",
      seatStaffNumber: "8546",
      recordId: "f65472d9-400a-4c1e-a51f-a49a55dab99a",
      uui: "abc",
      telCity: "Anshun",
      source: "push",
    });
    const participants = await service.database.prisma.callParticipant.findMany({ where: { sdkAppId: BigInt(appId), sessionId } });
    expect(participants).toHaveLength(1);
    expect(participants[0]).toMatchObject({
      sequence: 0,
      mail: "zhangsan@example.com",
      type: "miniProgramSeat",
      recordId: "dbe87035-019c-4b1e-bf4f-c29701ad315d",
      skillGroupId: 2734n,
      skillGroupName: "Outgoing Consultant",
      endStatus: "ok",
      acceptAt: new Date(1677140069 * 1000),
    });
  });

  it("turns TCCC's 0 timestamps and empty strings into NULL", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("cdr", sampleCdr(appId, sessionId, { AcceptTimestamp: 0, QueuedTimestamp: 0, CallerLocation: "" }));

    const [row] = await service.database.prisma.$queryRaw<{ accept_at: Date | null; queued_at: Date | null; caller_location: string | null }[]>`
      SELECT accept_at, queued_at, caller_location FROM call_sessions WHERE sdk_app_id = ${appId} AND session_id = ${sessionId}`;
    expect(row).toEqual({ accept_at: null, queued_at: null, caller_location: null });
  });

  it("keeps the raw body, unknown fields included, in push_inbox", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const body = sampleCdr(appId, sessionId, { FieldAddedNextYear: { nested: [1, "two"] } });

    await service.push("cdr", body, { pushUuid: `raw-${sessionId}` });

    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid: `raw-${sessionId}` } });
    expect(stored).toMatchObject({ action: "cdr", status: "processed", error: null, sdkAppId: BigInt(appId), sessionId, duplicateCount: 0 });
    expect(stored.body).toEqual(body);
    expect(stored.processedAt).toBeInstanceOf(Date);
  });

  it("re-sent later with more data, updates the session without erasing what was known", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    await service.push("cdr", sampleCdr(appId, sessionId, { AcceptTimestamp: 0, Duration: 0, Uui: "crm-42" }));

    await service.push("cdr", sampleCdr(appId, sessionId, { AcceptTimestamp: 1677140070, Duration: 11, Uui: "", Caller: null, TelLocation: null }));

    const session = await service.database.prisma.callSession.findUniqueOrThrow({
      where: { sdkAppId_sessionId: { sdkAppId: BigInt(appId), sessionId } },
    });
    expect(session.acceptAt).toEqual(new Date(1677140070 * 1000));
    expect(session.durationSec).toBe(11);
    expect(session.uui).toBe("crm-42");
    expect(session.caller).toBe("008640012346666");
    expect(session.telCity).toBe("Anshun");
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(1);
  });

  it("adds a transfer's second participant and keeps one row per sequence", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const first = sampleCdr(appId, sessionId);
    const firstLeg = (first.ServeParticipants as Record<string, unknown>[])[0];
    await service.push("cdr", first);

    const secondLeg = { ...firstLeg, Sequence: 1, Mail: "lisi@example.com", RecordId: "second-track", TransferFrom: "zhangsan@example.com" };
    await service.push("cdr", sampleCdr(appId, sessionId, { ServeParticipants: [firstLeg, secondLeg], Duration: 30 }));

    const participants = await service.database.prisma.callParticipant.findMany({
      where: { sdkAppId: BigInt(appId), sessionId },
      orderBy: { sequence: "asc" },
    });
    expect(participants.map((p) => [p.sequence, p.mail, p.transferFrom])).toEqual([
      [0, "zhangsan@example.com", null],
      [1, "lisi@example.com", "zhangsan@example.com"],
    ]);
  });
});
