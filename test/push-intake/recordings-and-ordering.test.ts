import { sampleCdr, sampleRecord, sampleVoicemail } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

describe("recordings, voicemails and out-of-order arrival", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.stop());

  const recordingsOf = (appId: number) =>
    service.database.prisma.recording.findMany({ where: { sdkAppId: BigInt(appId) }, orderBy: { trackKey: "asc" } });

  it("keeps a recording that arrives before its CDR, and the CDR joins it by session", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("record", sampleRecord(appId, sessionId));
    expect(await service.database.prisma.callSession.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
    await service.push("cdr", sampleCdr(appId, sessionId));

    const joined = await service.database.prisma.$queryRaw<{ caller: string; record_id: string }[]>`
      SELECT s.caller, r.record_id FROM call_sessions s
      JOIN recordings r ON r.sdk_app_id = s.sdk_app_id AND r.session_id = s.session_id
      WHERE s.sdk_app_id = ${appId} AND s.session_id = ${sessionId}`;
    expect(joined).toEqual([{ caller: "008640012346666", record_id: "1608130650" }]);
  });

  it("keeps one row per track however many times it is reported, merging what each report knows", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("record", sampleRecord(appId, sessionId, { RecordURL: "" }), { pushUuid: `r1-${sessionId}` });
    await service.push("record", sampleRecord(appId, sessionId, { CustomRecordURL: "https://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3" }), {
      pushUuid: `r2-${sessionId}`,
    });
    await service.push("record", sampleRecord(appId, sessionId, { EndpointUser: null }), { pushUuid: `r3-${sessionId}` });

    const recordings = await recordingsOf(appId);
    expect(recordings).toHaveLength(1);
    expect(recordings[0]).toMatchObject({
      kind: "call",
      recordId: "1608130650",
      endpointUser: "lululing@tencent.com",
      recordUrl: "http://recorder-10018504.cos.ap-shanghai.myqcloud.com/def/month12",
      customRecordUrl: "https://bucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp3",
      recordedAt: new Date(1608130650 * 1000),
      mirrorStatus: "pending",
    });
  });

  it("stores the customer and agent tracks of one call as two rows", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    await service.push("record", sampleRecord(appId, sessionId, { RecordId: "track-customer", EndpointUser: "008618412347605" }));
    await service.push("record", sampleRecord(appId, sessionId, { RecordId: "track-agent", EndpointUser: "zhangsan@example.com" }));

    expect((await recordingsOf(appId)).map((r) => [r.trackKey, r.endpointUser])).toEqual([
      ["track-agent", "zhangsan@example.com"],
      ["track-customer", "008618412347605"],
    ]);
  });

  it("stores a voicemail as a recording of kind voicemail, with a numeric EndpointUser as text", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();

    const answer = await service.push("voicemail", sampleVoicemail(appId, sessionId));

    expect(answer.body.ErrCode).toBe(0);
    const [voicemail] = await recordingsOf(appId);
    expect(voicemail).toMatchObject({ kind: "voicemail", endpointUser: "13123456789", recordId: null, recordedAt: new Date(1608130650 * 1000) });
  });

  it("treats a voicemail URL re-signed with another query string as the same voicemail", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const url = "https://recorder-1.cos.ap-shanghai.myqcloud.com/vm/42.mp3";

    await service.push("voicemail", sampleVoicemail(appId, sessionId, { RecordURL: `${url}?sign=first` }));
    await service.push("voicemail", sampleVoicemail(appId, sessionId, { RecordURL: `${url}?sign=second` }));

    expect(await recordingsOf(appId)).toHaveLength(1);
  });
});
