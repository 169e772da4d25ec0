import fc from "fast-check";
import type { TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import { normalizedTables, type RunQuery } from "../support/normalized-tables";
import { sampleCdr, sampleRecord, sampleVoicemail } from "../support/payloads";
import { nowSec, useReconcileService } from "../support/reconcile-fixture";
import { answeredInboundCall, voicemailCall } from "../support/tel-cdr-samples";
import { uniqueSdkAppId } from "../support/test-service";

const CALLS = 6;

/** One delivery: a push, or DescribeTelCdr listing the call (read as a window holding that call alone). */
type Delivery = { kind: "push"; action: string; pushUuid: string; body: Record<string, unknown> } | { kind: "api"; startSec: number };

/**
 * What TCCC tells us about `CALLS` calls of one application, both ways: per call the API's record and the pushes of
 * the same call (a first CDR that knows little, the complete CDR, each track or the voicemail). The pushes disagree
 * with the API wherever a push is more precise (a track's own Timestamp and EndpointUser, the vendor's long-lived URL)
 * or just different (the pushed CDR's caller, agent and times), so every column both write has a winner to find.
 */
function deliveriesOf(sdkAppId: number, firstStartSec: number): { records: TelCdrInfo[]; deliveries: Delivery[] } {
  const records: TelCdrInfo[] = [];
  const deliveries: Delivery[] = [];
  for (let index = 0; index < CALLS; index++) {
    const sessionId = `precedence-${index}`;
    const startSec = firstStartSec + index * 600;
    const push = (action: string, what: string, body: Record<string, unknown>) => deliveries.push({ kind: "push", action, pushUuid: `${sdkAppId}-${sessionId}-${what}`, body });
    const vendorUrl = (path: string) => `https://recorder-10018504.cos.ap-shanghai.myqcloud.com/${path}`;
    if (index % 2 === 0) {
      const record = answeredInboundCall(sessionId, startSec);
      const leg = record.ServeParticipants[0]!;
      records.push(record);
      const pushedLeg = { ...(sampleCdr(sdkAppId, sessionId).ServeParticipants as object[])[0], RecordId: leg.RecordId, StartTimestamp: startSec + 10 };
      const complete = sampleCdr(sdkAppId, sessionId, { StartTimestamp: startSec, RecordId: record.RecordId, ServeParticipants: [pushedLeg] });
      push("cdr", "cdr-early", { ...complete, AcceptTimestamp: 0, EndedTimestamp: 0, ServeParticipants: [], RecordId: "", Uui: "", UserRemark: "" });
      push("cdr", "cdr-complete", complete);
      push("record", "customer", sampleRecord(sdkAppId, sessionId, { RecordId: record.RecordId, EndpointUser: "008618412347605", Timestamp: startSec + 31, RecordURL: vendorUrl(`${sessionId}/customer.mp3`) }));
      push("record", "agent", sampleRecord(sdkAppId, sessionId, { RecordId: leg.RecordId, EndpointUser: "lululing@tencent.com", Timestamp: startSec + 32, RecordURL: vendorUrl(`${sessionId}/agent.mp3`) }));
    } else {
      const record = voicemailCall(sessionId, startSec);
      records.push(record);
      // the same voicemail (same path), as the push names it: without the API's signature
      const voicemailPath = new URL(record.VoicemailRecordURL[0]!).pathname;
      push("cdr", "cdr-complete", sampleCdr(sdkAppId, sessionId, { StartTimestamp: startSec, ServeParticipants: [], RecordId: "" }));
      push("voicemail", "voicemail", sampleVoicemail(sdkAppId, sessionId, { Timestamp: startSec + 40, RecordURL: `https://ccc-records-1250000000.cos.ap-shanghai.myqcloud.com${voicemailPath}` }));
    }
    deliveries.push({ kind: "api", startSec });
  }
  return { records, deliveries };
}

describe("who wins between a push and DescribeTelCdr", () => {
  const context = useReconcileService();
  const query: RunQuery = (sql, params) => context.service.database.prisma.$queryRawUnsafe(sql, ...params);
  const firstStartSec = nowSec() - 2 * 3600;

  async function deliver(sdkAppId: number, delivery: Delivery): Promise<void> {
    if (delivery.kind === "api") {
      const result = await context.service.reconciliation!.reconcileWindow(BigInt(sdkAppId), { start: delivery.startSec, end: delivery.startSec });
      expect(result).toMatchObject({ status: "succeeded", fetched: 1 });
      return;
    }
    const answer = await context.service.push(delivery.action, delivery.body, { pushUuid: delivery.pushUuid });
    expect(answer.body.ErrCode).toBe(0);
  }

  async function deliverAll(sdkAppId: number, order: Delivery[]): Promise<void> {
    const { records } = deliveriesOf(sdkAppId, firstStartSec);
    context.fixture.fake.source.add(sdkAppId, ...records);
    for (const delivery of order) await deliver(sdkAppId, delivery);
  }

  it("keeps a push's track Timestamp, EndpointUser and URL, and the pushed CDR's values, whether the API came before or after", async () => {
    const [pushFirst, apiFirst] = [uniqueSdkAppId(), uniqueSdkAppId()];
    const inOrder = deliveriesOf(pushFirst, firstStartSec).deliveries;
    await deliverAll(pushFirst, inOrder);
    await deliverAll(apiFirst, [...deliveriesOf(apiFirst, firstStartSec).deliveries].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "api" ? -1 : 1)));

    for (const appId of [pushFirst, apiFirst]) {
      const tracks = await context.service.database.prisma.recording.findMany({ where: { sdkAppId: BigInt(appId), sessionId: "precedence-0" }, orderBy: { trackKey: "asc" } });
      expect(tracks.map((track) => [track.recordId, track.endpointUser, track.recordedAt, track.recordUrl])).toEqual([
        ["precedence-0-agent", "lululing@tencent.com", new Date((firstStartSec + 32) * 1000), "https://recorder-10018504.cos.ap-shanghai.myqcloud.com/precedence-0/agent.mp3"],
        ["precedence-0-customer", "008618412347605", new Date((firstStartSec + 31) * 1000), "https://recorder-10018504.cos.ap-shanghai.myqcloud.com/precedence-0/customer.mp3"],
      ]);
      const session = await context.service.database.prisma.callSession.findUniqueOrThrow({ where: { sdkAppId_sessionId: { sdkAppId: BigInt(appId), sessionId: "precedence-0" } } });
      // the pushed CDR's caller and agent, and what only the API knows
      expect(session).toMatchObject({ caller: "008640012346666", seatUserId: "zhangsan@example.com", direction: 1, callType: 2, asrStatus: "Complete", surveyKeys: ["1"], seatUserRole: 3 });
      const [voicemail] = await context.service.database.prisma.recording.findMany({ where: { sdkAppId: BigInt(appId), sessionId: "precedence-1" } });
      expect(voicemail).toMatchObject({ endpointUser: "13123456789", recordedAt: new Date((firstStartSec + 600 + 40) * 1000) });
      expect(voicemail!.recordUrl).not.toContain("q-signature");
    }
    expect(await normalizedTables(query, apiFirst, ["source"])).toEqual(await normalizedTables(query, pushFirst, ["source"]));
  });

  it("ends with the same rows in any order of pushes and API reads, duplicates included", async () => {
    const referenceAppId = uniqueSdkAppId();
    await deliverAll(referenceAppId, deliveriesOf(referenceAppId, firstStartSec).deliveries);
    const reference = await normalizedTables(query, referenceAppId, ["source"]);
    expect(reference.callSessions).toHaveLength(CALLS);

    const deliveryCount = deliveriesOf(referenceAppId, firstStartSec).deliveries.length;
    // each delivery happens once or twice (a push retried, a window read again), each time at a place of its own
    const places = fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 2 }), { minLength: deliveryCount, maxLength: deliveryCount });
    await fc.assert(
      fc.asyncProperty(places, async (placesOfCopies) => {
        const sdkAppId = uniqueSdkAppId();
        const { deliveries } = deliveriesOf(sdkAppId, firstStartSec);
        const order = placesOfCopies
          .flatMap((copies, index) => copies.map((place) => ({ place, delivery: deliveries[index]! })))
          .sort((a, b) => a.place - b.place)
          .map(({ delivery }) => delivery);

        await deliverAll(sdkAppId, order);

        expect(await normalizedTables(query, sdkAppId, ["source"])).toEqual(reference);
      }),
      { numRuns: 8 },
    );
  });
});
