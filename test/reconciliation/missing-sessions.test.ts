import type { ServeParticipant } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import { sampleCdr, sampleRecord } from "../support/payloads";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { aiAgentCall, answeredInboundCall, callWithEmptyValues, callWithNulls, sparseCall, transferredInboundCall, unansweredOutboundCall, voicemailCall } from "../support/tel-cdr-samples";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

describe("a reconcile run over a window of the SDK's TelCdrInfo records", () => {
  const context = useReconcileService();
  const prisma = () => context.service.database.prisma;
  const window = () => ({ start: nowSec() - 3 * 3600, end: nowSec() - 600 });
  const tracksOf = (appId: number, sessionId: string) =>
    prisma().recording.findMany({
      where: { sdkAppId: BigInt(appId), sessionId },
      orderBy: [{ kind: "asc" }, { trackKey: "asc" }],
      select: { kind: true, recordId: true, endpointUser: true, recordUrl: true, customRecordUrl: true, recordedAt: true, mirrorStatus: true },
    });

  it("stores the calls no push delivered, with every leg and every track (customer, per leg, voicemail), as source reconcile", async () => {
    const appId = uniqueSdkAppId();
    const start = nowSec() - 2 * 3600;
    const [pushed, answered, transferred, voicemail] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
    const transferredCall = transferredInboundCall(transferred, start + 60);
    const voicemailRecord = voicemailCall(voicemail, start + 120);
    context.fixture.fake.source.add(appId, answeredInboundCall(pushed, start), answeredInboundCall(answered, start + 30), transferredCall, voicemailRecord);
    await context.service.push("cdr", sampleCdr(appId, pushed, { StartTimestamp: start }));

    const result = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window());

    expect(result).toMatchObject({ status: "succeeded", fetched: 4, created: 3, updated: 1, unchanged: 0, failedRecords: 0 });
    const run = await prisma().reconcileRun.findUniqueOrThrow({ where: { id: result.runId }, include: { missingSessions: true } });
    expect(run).toMatchObject({ status: "succeeded", fetched: 4, created: 3, updated: 1, unchanged: 0, failedRecords: 0, error: null });
    expect(run.missingSessions.map((missing) => missing.sessionId).sort()).toEqual([answered, transferred, voicemail].sort());
    const sessions = await prisma().callSession.findMany({ where: { sdkAppId: BigInt(appId) }, orderBy: { startAt: "asc" } });
    expect(sessions.map((session) => [session.sessionId, session.source])).toEqual([
      [pushed, "push"],
      [answered, "reconcile"],
      [transferred, "reconcile"],
      [voicemail, "reconcile"],
    ]);

    const legs = await prisma().callParticipant.findMany({ where: { sdkAppId: BigInt(appId), sessionId: transferred }, orderBy: { sequence: "asc" } });
    expect(legs.map((leg) => [leg.sequence, leg.mail, leg.type, leg.transferFrom, leg.transferTo, leg.skillGroupId])).toEqual([
      [0, "zhaomin@example.com", "staffSeat", null, "qianlei@example.com", 3001n],
      [1, "qianlei@example.com", "staffPhoneSeat", "zhaomin@example.com", null, 3002n],
    ]);
    const [firstLeg, secondLeg] = transferredCall.ServeParticipants as Required<ServeParticipant>[] as [Required<ServeParticipant>, Required<ServeParticipant>];
    expect(await tracksOf(appId, transferred)).toEqual([
      { kind: "call", recordId: firstLeg.RecordId, endpointUser: "zhaomin@example.com", recordUrl: firstLeg.RecordURL, customRecordUrl: null, recordedAt: new Date(firstLeg.StartTimestamp * 1000), mirrorStatus: "pending" },
      { kind: "call", recordId: secondLeg.RecordId, endpointUser: "qianlei@example.com", recordUrl: secondLeg.RecordURL, customRecordUrl: secondLeg.CustomRecordURL, recordedAt: new Date(secondLeg.StartTimestamp * 1000), mirrorStatus: "pending" },
      { kind: "call", recordId: transferredCall.RecordId, endpointUser: transferredCall.Caller, recordUrl: transferredCall.RecordURL, customRecordUrl: transferredCall.CustomRecordURL, recordedAt: new Date(transferredCall.StartTimestamp * 1000), mirrorStatus: "pending" },
    ]);
    expect(await tracksOf(appId, voicemail)).toEqual([
      { kind: "voicemail", recordId: null, endpointUser: voicemailRecord.Caller, recordUrl: voicemailRecord.VoicemailRecordURL[0], customRecordUrl: null, recordedAt: new Date(voicemailRecord.StartTimestamp * 1000), mirrorStatus: "pending" },
    ]);
  });

  it("merges into what pushes stored: one session, one participant per leg, one recording per track", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const start = nowSec() - 2 * 3600;
    const listed = answeredInboundCall(sessionId, start);
    const agentLeg = listed.ServeParticipants[0]!;
    context.fixture.fake.source.add(appId, listed);
    const pushedLeg = { ...(sampleCdr(appId, sessionId).ServeParticipants as object[])[0], RecordId: agentLeg.RecordId };
    await context.service.push("cdr", sampleCdr(appId, sessionId, { StartTimestamp: start, RecordId: listed.RecordId, ServeParticipants: [pushedLeg] }));
    await context.service.push("record", sampleRecord(appId, sessionId, { RecordId: agentLeg.RecordId, RecordURL: "https://recorder-1.cos.ap-shanghai.myqcloud.com/agent.mp3" }));

    const result = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window());

    expect(result).toMatchObject({ status: "succeeded", fetched: 1, created: 0, updated: 1 });
    const where = { sdkAppId: BigInt(appId), sessionId };
    expect(await prisma().callSession.count({ where })).toBe(1);
    expect(await prisma().callParticipant.count({ where })).toBe(1);
    expect((await tracksOf(appId, sessionId)).map((track) => track.recordId)).toEqual([agentLeg.RecordId, listed.RecordId]);
  });

  it("fills the columns only the API has", async () => {
    const appId = uniqueSdkAppId();
    const start = nowSec() - 2 * 3600;
    const [answered, aiAgent, voicemail, outbound] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
    const voicemailRecord = voicemailCall(voicemail, start + 20);
    context.fixture.fake.source.add(appId, answeredInboundCall(answered, start), aiAgentCall(aiAgent, start + 10), voicemailRecord, unansweredOutboundCall(outbound, start + 30));

    await context.service.reconciliation!.reconcileWindow(BigInt(appId), window());

    const session = (sessionId: string) => prisma().callSession.findUniqueOrThrow({ where: { sdkAppId_sessionId: { sdkAppId: BigInt(appId), sessionId } } });
    expect(await session(answered)).toMatchObject({
      initiatedAt: new Date(start * 1000),
      callType: 2,
      endStatus: "ok",
      endStatusCode: 1,
      skillGroup: "After-sales Support",
      skillGroupId: 3001n,
      queuedSkillGroupId: 3001n,
      asrStatus: "Complete",
      asrUrl: expect.stringMatching(new RegExp(`/${answered}/asr\\.json\\?q-sign-algorithm=sha1&`)),
      surveyKeys: ["1"],
      surveyLabels: ["Very satisfied"],
      postIvrKeyPressed: [{ Key: "1", Label: "Very satisfied", Timestamp: (start + 145 + 6) * 1000, NodeLabel: "Satisfaction survey" }],
      ivrKeyPressed: [{ Key: "2", Label: "After-sales", Timestamp: (start + 8) * 1000, NodeLabel: "Main menu" }],
      seatUserId: "zhaomin@example.com",
      seatUserNick: "Min",
      seatUserPhone: "008613800138000",
      seatSkillGroupNames: ["After-sales Support", "Billing"],
      seatUserRole: 3,
      seatExtensionNumber: "8001",
      hungUpSide: "user",
      durationSec: 120,
      source: "reconcile",
    });
    expect(await session(aiAgent)).toMatchObject({
      aiAgentId: 88001n,
      aiAgentName: "Renewal reminder",
      sysHangupReason: 2,
      sysHangupReasonString: "AI agent ended the call",
      callee: null,
      protectedCallee: "pcallee-7f3a9c",
      uui: "campaign-2026-12",
      hungUpSide: "system",
    });
    expect(await session(voicemail)).toMatchObject({ endStatusCode: 107, endStatus: "ivrEnd", voicemailAsrUrls: voicemailRecord.VoicemailAsrURL, asrStatus: "NotExists" });
    expect(await session(outbound)).toMatchObject({ endStatusCode: 205, endStatus: "numberNotExist", acceptAt: null, remark: "callback requested by the customer", uui: "crm-order-10086" });
    // the protected number stands for the customer on the track
    expect((await tracksOf(appId, aiAgent)).map((track) => track.endpointUser)).toEqual(["pcallee-7f3a9c"]);
    // a leg without a recording URL is a leg, not a track
    expect(await tracksOf(appId, outbound)).toEqual([]);
    expect(await prisma().callParticipant.count({ where: { sdkAppId: BigInt(appId), sessionId: outbound } })).toBe(1);
  });

  it("reads records whose optional fields are absent, null, empty or 0, storing NULL for each", async () => {
    const appId = uniqueSdkAppId();
    const start = nowSec() - 2 * 3600;
    const [sparse, nulls, empty] = [uniqueSessionId(), uniqueSessionId(), uniqueSessionId()];
    context.fixture.fake.source.add(appId, sparseCall(sparse, start), callWithNulls(nulls, start + 1), callWithEmptyValues(empty, start + 2));

    const result = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window());

    expect(result).toMatchObject({ status: "succeeded", fetched: 3, created: 3, failedRecords: 0 });
    const rows = await prisma().$queryRaw<Record<string, unknown>[]>`
      SELECT session_id, callee, call_type, duration_sec, record_id, seat_user_id, seat_user_role, end_status_code, skill_group, skill_group_id,
             queued_skill_group_id, accept_at, ivr_key_pressed, survey_keys, uui, asr_url, asr_status, voicemail_asr_urls, ai_agent_id, ai_agent_name,
             sys_hangup_reason_string, seat_skill_group_names
      FROM call_sessions WHERE sdk_app_id = ${appId} ORDER BY start_at`;
    const nullColumns = { callee: null, record_id: null, seat_user_id: null, skill_group: null, skill_group_id: null, queued_skill_group_id: null, accept_at: null, survey_keys: null, uui: null, asr_url: null, asr_status: null, voicemail_asr_urls: null, ai_agent_id: null, ai_agent_name: null, sys_hangup_reason_string: null, seat_skill_group_names: null };
    expect(rows).toEqual([
      { session_id: sparse, call_type: null, duration_sec: null, seat_user_role: null, end_status_code: null, ivr_key_pressed: null, ...nullColumns },
      { session_id: nulls, call_type: null, duration_sec: null, seat_user_role: null, end_status_code: null, ivr_key_pressed: null, ...nullColumns },
      // 0 is a value for counts and codes, "none" for ids and timestamps; an empty list is a list
      { session_id: empty, call_type: 0, duration_sec: 0, seat_user_role: 0, end_status_code: 0, ivr_key_pressed: [], ...nullColumns },
    ]);
    expect(await prisma().recording.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
    expect(await prisma().callParticipant.count({ where: { sdkAppId: BigInt(appId) } })).toBe(0);
  });

  it("keeps every record raw, under the application the request named, with the run that last listed it", async () => {
    const appId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const listed = { ...transferredInboundCall(sessionId, nowSec() - 2 * 3600), FieldAddedNextYear: { nested: [1, "two"] } };
    context.fixture.fake.source.add(appId, listed);

    const first = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window());
    const second = await context.service.reconciliation!.reconcileWindow(BigInt(appId), window());

    const raw = await prisma().telCdrRecord.findMany({ where: { sdkAppId: BigInt(appId) } });
    expect(raw).toHaveLength(1);
    expect(raw[0]).toMatchObject({ recordKey: sessionId, sessionId, status: "processed", error: null, lastRunId: second.runId, body: listed });
    expect(raw[0]!.lastSeenAt.getTime()).toBeGreaterThan(raw[0]!.firstSeenAt.getTime());
    expect(first.runId).not.toEqual(second.runId);
  });
});
