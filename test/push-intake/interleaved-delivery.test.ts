import fc from "fast-check";
import { streamPushes, type PushSpec } from "../support/faults/push-load";
import { normalizedTables, type RunQuery } from "../support/normalized-tables";
import { sampleCdr, sampleRecord, sampleVoicemail } from "../support/payloads";
import { startTestService, uniqueSdkAppId, type TestService } from "../support/test-service";

const SESSIONS = 40;

/**
 * Every push of `SESSIONS` calls of one application, in the order a clean delivery would bring them: per call a first
 * CDR that knows little (not answered yet, no agent leg, no track), the complete CDR, two recording tracks and, for
 * every third call, a voicemail. Session and record ids are the same for every application, push uuids are not.
 */
function callsOf(sdkAppId: number, runTag: string): PushSpec[] {
  return Array.from({ length: SESSIONS }, (_, index) => {
    const sessionId = `${runTag}-session-${index}`;
    const start = 1_700_000_000 + index * 600;
    const complete = sampleCdr(sdkAppId, sessionId, { StartTimestamp: start, RingTimestamp: start + 3, AcceptTimestamp: start + 9, EndedTimestamp: start + 95, RecordId: `${sessionId}-customer` });
    const early = { ...complete, AcceptTimestamp: 0, EndedTimestamp: 0, ServeParticipants: [], RecordId: "", Uui: "", UserRemark: "" };
    const track = (who: string, endpointUser: string) =>
      sampleRecord(sdkAppId, sessionId, { RecordId: `${sessionId}-${who}`, EndpointUser: endpointUser, Timestamp: start + 9, RecordURL: `https://recorder-1.cos.ap-guangzhou.myqcloud.com/${sessionId}/${who}.mp3` });
    const pushes: [PushSpec["action"], string, unknown][] = [
      ["cdr", "cdr-early", early],
      ["cdr", "cdr-complete", complete],
      ["record", "customer", track("customer", "008613800000000")],
      ["record", "agent", track("agent", "zhangsan@example.com")],
    ];
    if (index % 3 === 0) pushes.push(["voicemail", "voicemail", sampleVoicemail(sdkAppId, sessionId, { RecordURL: `https://recorder-1.cos.ap-guangzhou.myqcloud.com/${sessionId}/vm.mp3` })]);
    return pushes.map(([action, what, body]) => ({ action, pushUuid: `${sdkAppId}-${sessionId}-${what}`, body: JSON.stringify(body) }));
  }).flat();
}

describe("many sessions delivered at once, with duplicates and reordering", () => {
  let service: TestService;
  const runTag = `interleaved-${Date.now()}`;
  const cleanAppId = uniqueSdkAppId();
  const query: RunQuery = (sql, params) => service.database.prisma.$queryRawUnsafe(sql, ...params);
  const inboxSummary = (sdkAppId: number) =>
    service.database.prisma.$queryRaw<{ action: string; status: string; pushes: number; duplicates: number }[]>`
      SELECT action, status, count(*)::int AS pushes, sum(duplicate_count)::int AS duplicates
      FROM push_inbox WHERE sdk_app_id = ${sdkAppId} GROUP BY action, status ORDER BY action, status`;

  beforeAll(async () => {
    service = await startTestService();
    // the reference: one push at a time, in order, each once
    const clean = await streamPushes(() => service.url, callsOf(cleanAppId, runTag)[Symbol.iterator](), 1).finished();
    expect(clean.every((outcome) => outcome.acknowledged)).toBe(true);
  });
  afterAll(() => service.stop());

  it("ends with the same sessions, participants, recordings and inbox as a clean in-order delivery", async () => {
    const reference = await normalizedTables(query, cleanAppId);
    const referenceInbox = await inboxSummary(cleanAppId);
    expect(reference.callSessions).toHaveLength(SESSIONS);
    expect(reference.callParticipants).toHaveLength(SESSIONS);
    expect(reference.recordings).toHaveLength(SESSIONS * 2 + Math.ceil(SESSIONS / 3));

    const pushCount = callsOf(cleanAppId, runTag).length;
    // each push is sent one to three times; every copy gets a place in the delivery order of its own
    const placesOfCopies = fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }), {
      minLength: pushCount,
      maxLength: pushCount,
    });
    await fc.assert(
      fc.asyncProperty(placesOfCopies, fc.integer({ min: 4, max: 32 }), async (places, connections) => {
        const sdkAppId = uniqueSdkAppId();
        const pushes = callsOf(sdkAppId, runTag);
        const shuffled = places
          .flatMap((copies, index) => copies.map((place) => ({ place, push: pushes[index]! })))
          .sort((a, b) => a.place - b.place)
          .map(({ push }) => push);

        const outcomes = await streamPushes(() => service.url, shuffled[Symbol.iterator](), connections).finished();

        expect(outcomes.every((outcome) => outcome.acknowledged)).toBe(true);
        expect(await normalizedTables(query, sdkAppId)).toEqual(reference);
        const inbox = await inboxSummary(sdkAppId);
        expect(inbox.map(({ duplicates: _duplicates, ...rest }) => rest)).toEqual(referenceInbox.map(({ duplicates: _duplicates, ...rest }) => rest));
        expect(inbox.reduce((sum, row) => sum + row.duplicates, 0)).toBe(shuffled.length - pushCount);
      }),
      { numRuns: 5 },
    );
  });
});
