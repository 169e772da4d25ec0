import { sampleCdr, sampleRecord, sampleVoicemail } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

describe("bad input", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ PUSH_BODY_LIMIT_BYTES: "4096" });
  });
  afterAll(() => service.stop());

  const inboxCount = (pushUuid: string) => service.database.prisma.pushInbox.count({ where: { pushUuid } });

  it("stores JSON that does not fit the schema as failed, with a readable error, and answers ErrCode 0", async () => {
    const appId = uniqueSdkAppId();
    const pushUuid = `no-session-${uniqueSessionId()}`;

    const answer = await service.push("cdr", { SdkAppId: appId, Caller: "10086", Duration: "soon" }, { pushUuid });

    expect(answer.body).toEqual({ ErrCode: 0, ErrMsg: "" });
    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } });
    expect(stored.status).toBe("failed");
    expect(stored.sdkAppId).toBe(BigInt(appId));
    expect(stored.processedAt).toBeNull();
    expect(stored.error).toContain("SessionId: SessionId is required");
    expect(stored.error).toContain("Duration:");
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });

  it("stores a JSON array or scalar as failed too, since an admin may still want to see it", async () => {
    const pushUuid = `array-${uniqueSessionId()}`;

    await service.push("record", "[1,2,3]", { pushUuid });

    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } });
    expect(stored).toMatchObject({ status: "failed", body: [1, 2, 3] });
    expect(stored.error).toContain("expected object");
  });

  it("accepts numbers sent as strings and strings sent as numbers", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("cdr", sampleCdr(appId, sessionId, { SdkAppId: String(appId), Duration: "42", Caller: 8613800000000 }));

    const session = await service.database.prisma.callSession.findUniqueOrThrow({
      where: { sdkAppId_sessionId: { sdkAppId: BigInt(appId), sessionId } },
    });
    expect(session).toMatchObject({ durationSec: 42, caller: "8613800000000" });
  });

  it.each([
    ["record", "RecordURL", 42, "RecordURL: must be an http(s) URL, not the number 42"],
    ["record", "RecordURL", "month12/track.mp3", 'RecordURL: must be an http(s) URL, not "month12/track.mp3"'],
    ["record", "CustomRecordURL", "ftp://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3", 'CustomRecordURL: must be an http(s) URL, not "ftp://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3"'],
    ["record", "RecordURL", ["https://recorder-1.cos.ap-shanghai.myqcloud.com/a.mp3"], "RecordURL: must be an http(s) URL, not an array"],
    ["voicemail", "RecordURL", 13123456789, "RecordURL: must be an http(s) URL, not the number 13123456789"],
  ])("stores a %s push whose %s is %j as failed, with the reason, and creates no recording", async (action, field, value, error) => {
    const appId = uniqueSdkAppId();
    const pushUuid = `url-${uniqueSessionId()}`;
    const body = (action === "record" ? sampleRecord : sampleVoicemail)(appId, uniqueSessionId(), { [field]: value });

    const answer = await service.push(action, body, { pushUuid });

    expect(answer.body).toEqual({ ErrCode: 0, ErrMsg: "" });
    const stored = await service.database.prisma.pushInbox.findFirstOrThrow({ where: { pushUuid } });
    expect(stored).toMatchObject({ status: "failed", error, sdkAppId: BigInt(appId) });
    expect(await service.database.prisma.recording.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });

  it.each([
    ["not JSON", "{not json", 400, 1001, /not valid JSON/],
    ["an empty body", "", 400, 1001, /empty/],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 400, 1001, /UTF-8/],
    ["a NUL character PostgreSQL cannot store", '{"SessionId":"a\\u0000b"}', 400, 1005, /cannot be stored/],
  ])("answers %s with a non-zero ErrCode and stores nothing", async (_case, body, status, errCode, message) => {
    const pushUuid = `bad-${uniqueSessionId()}`;

    const answer = await service.push("cdr", body, { pushUuid });

    expect(answer.status).toBe(status);
    expect(answer.body.ErrCode).toBe(errCode);
    expect(answer.body.ErrMsg).toMatch(message);
    expect(await inboxCount(pushUuid)).toBe(0);
  });

  it("answers a valid CDR with a NUL character in a field only the raw body keeps with 1005, and stores none of its rows", async () => {
    // the pushes' insert fails on the body and the merge sent with it only because the transaction is aborted:
    // the answer must name the first failure
    const appId = uniqueSdkAppId();
    const pushUuid = `nul-${uniqueSessionId()}`;

    const answer = await service.push("cdr", sampleCdr(appId, uniqueSessionId(), { VendorNote: "a\u0000b" }), { pushUuid });

    expect(answer.status).toBe(400);
    expect(answer.body.ErrCode).toBe(1005);
    expect(await inboxCount(pushUuid)).toBe(0);
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });

  it("refuses an unknown or missing action", async () => {
    const pushUuid = `action-${uniqueSessionId()}`;

    const unknown = await service.push("hangup", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { pushUuid });
    const missing = await fetch(`${service.url}/tccc/push`, { method: "POST", body: "{}" });

    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ ErrCode: 1002, ErrMsg: 'unknown action "hangup": expected cdr, record or voicemail' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { ErrCode: number }).ErrCode).toBe(1002);
    expect(await inboxCount(pushUuid)).toBe(0);
  });

  it("refuses a body over the limit with 413", async () => {
    const pushUuid = `large-${uniqueSessionId()}`;

    const answer = await service.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId(), { UserRemark: "x".repeat(5000) }), { pushUuid });

    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ ErrCode: 1003, ErrMsg: "body is larger than the limit of 4096 bytes" });
    expect(await inboxCount(pushUuid)).toBe(0);
  });

  it("refuses an overlong X-TCCC-PUSH-UUID rather than truncating it into a collision", async () => {
    const answer = await service.push("cdr", sampleCdr(uniqueSdkAppId(), uniqueSessionId()), { pushUuid: "u".repeat(201) });

    expect(answer.status).toBe(400);
    expect(answer.body.ErrCode).toBe(1004);
  });

  it("answers unknown routes with JSON, not an HTML page", async () => {
    const response = await fetch(`${service.url}/nope`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ ErrCode: 1404, ErrMsg: "no route for GET /nope" });
  });
});
