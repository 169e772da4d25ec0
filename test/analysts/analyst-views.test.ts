import { sampleCdr, sampleRecord } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";

const at = (iso: string) => Date.parse(iso) / 1000;

interface Leg {
  mail: string;
  accept: string;
  ended: string;
  transferFrom?: string;
  transferTo?: string;
}

interface Call {
  skillGroup: [number, string];
  start: string;
  queued: string;
  accept?: string;
  ended: string;
  agent?: string;
  legs?: Leg[];
}

/** A CDR push for an inbound call; timestamps are ISO strings, TCCC's 0 for what did not happen. */
function inboundCdr(appId: number, sessionId: string, call: Call) {
  const legs = call.legs ?? (call.agent && call.accept ? [{ mail: call.agent, accept: call.accept, ended: call.ended }] : []);
  return sampleCdr(appId, sessionId, {
    Direction: 0,
    StartTimestamp: at(call.start),
    QueuedTimestamp: at(call.queued),
    RingTimestamp: at(call.queued) + 5,
    AcceptTimestamp: call.accept ? at(call.accept) : 0,
    EndedTimestamp: at(call.ended),
    Duration: call.accept ? at(call.ended) - at(call.accept) : 0,
    IVRDuration: 10,
    QueuedSkillGroupId: call.skillGroup[0],
    QueuedSkillGroupName: call.skillGroup[1],
    SeatUser: call.agent ? { Mail: call.agent, UserId: call.agent, Name: call.agent } : null,
    ServeParticipants: legs.map((leg, sequence) => ({
      Mail: leg.mail,
      Sequence: sequence,
      Type: "staffSeat",
      StartTimestamp: at(leg.accept) - 5,
      RingTimestamp: at(leg.accept) - 5,
      AcceptTimestamp: at(leg.accept),
      EndedTimestamp: at(leg.ended),
      TransferFrom: leg.transferFrom ?? "",
      TransferTo: leg.transferTo ?? "",
      SkillGroupId: call.skillGroup[0],
      SkillGroupName: call.skillGroup[1],
    })),
  });
}

const SALES: [number, string] = [501, "Sales"];
const SUPPORT: [number, string] = [502, "Support"];

describe("the analysts' views, over calls pushed through the HTTP endpoint", () => {
  let service: TestService;
  const appId = uniqueSdkAppId();
  const transferred = uniqueSessionId();

  beforeAll(async () => {
    service = await startTestService();
    const calls: [string, Call][] = [
      // waits 30 s, alice talks 3 min then transfers to bob, who talks 110 s
      [
        transferred,
        {
          skillGroup: SALES,
          start: "2026-03-02T10:00:00Z",
          queued: "2026-03-02T10:00:10Z",
          accept: "2026-03-02T10:00:40Z",
          ended: "2026-03-02T10:05:40Z",
          agent: "bob@example.com",
          legs: [
            { mail: "alice@example.com", accept: "2026-03-02T10:00:40Z", ended: "2026-03-02T10:03:40Z", transferTo: "bob@example.com" },
            { mail: "bob@example.com", accept: "2026-03-02T10:03:50Z", ended: "2026-03-02T10:05:40Z", transferFrom: "alice@example.com" },
          ],
        },
      ],
      // waits 90 s, talks 60 s
      [uniqueSessionId(), { skillGroup: SALES, start: "2026-03-02T11:00:00Z", queued: "2026-03-02T11:00:00Z", accept: "2026-03-02T11:01:30Z", ended: "2026-03-02T11:02:30Z", agent: "alice@example.com" }],
      // gives up after 45 s in the queue
      [uniqueSessionId(), { skillGroup: SALES, start: "2026-03-02T12:00:00Z", queued: "2026-03-02T12:00:00Z", ended: "2026-03-02T12:00:45Z" }],
      [uniqueSessionId(), { skillGroup: SUPPORT, start: "2026-03-02T13:00:00Z", queued: "2026-03-02T13:00:00Z", accept: "2026-03-02T13:00:05Z", ended: "2026-03-02T13:10:05Z", agent: "carol@example.com" }],
      // already 2 March in China, still 1 March in UTC
      [uniqueSessionId(), { skillGroup: SALES, start: "2026-03-01T23:59:50Z", queued: "2026-03-01T23:59:50Z", accept: "2026-03-01T23:59:55Z", ended: "2026-03-02T00:01:55Z", agent: "alice@example.com" }],
    ];
    for (const [sessionId, call] of calls) expect((await service.push("cdr", inboundCdr(appId, sessionId, call))).body.ErrCode).toBe(0);
    for (const recordId of ["track-customer", "track-agent"]) {
      expect((await service.push("record", sampleRecord(appId, transferred, { RecordId: recordId }))).body.ErrCode).toBe(0);
    }
    // the mirror is another issue's work: mark one track as it would
    await service.database.prisma.recording.updateMany({ where: { sdkAppId: BigInt(appId), recordId: "track-agent" }, data: { mirrorStatus: "mirrored" } });
  });
  afterAll(() => service.stop());

  /** Rows as JSON, the way an analyst's tool sees them: numbers as numbers, days as dates. */
  async function rows(view: string, orderBy: string): Promise<Record<string, unknown>[]> {
    const result = await service.database.prisma.$queryRawUnsafe<{ row: Record<string, unknown> }[]>(
      `SELECT to_jsonb(v) - 'sdk_app_id' AS row FROM ${view} v WHERE sdk_app_id = $1 ORDER BY ${orderBy}`,
      BigInt(appId),
    );
    return result.map(({ row }) => row);
  }

  it("call_facts has one row per call with its answer, waits, talk time, agent, legs and recordings", async () => {
    const [facts] = (await rows("call_facts", "start_at")).filter((row) => row.session_id === transferred);

    expect(facts).toMatchObject({
      direction: 0,
      direction_name: "inbound",
      start_date_utc: "2026-03-02",
      answered: true,
      abandoned: false,
      queue_wait_sec: 30,
      talk_sec: 300,
      ivr_sec: 10,
      agent_user_id: "bob@example.com",
      skill_group_id: 501,
      skill_group_name: "Sales",
      legs: 2,
      transfers: 1,
      recordings: 2,
      voicemails: 0,
      recordings_mirrored: 1,
      source: "push",
    });
  });

  it("call_facts counts an unanswered queued call as abandoned, its wait running to the end of the call", async () => {
    const abandoned = (await rows("call_facts", "start_at")).filter((row) => row.abandoned);

    expect(abandoned).toEqual([expect.objectContaining({ answered: false, queue_wait_sec: 45, talk_sec: null, legs: 0, agent_user_id: null })]);
  });

  it("daily_skill_group_totals sums each UTC day and skill group", async () => {
    expect(await rows("daily_skill_group_totals", "day, skill_group_id")).toEqual([
      {
        day: "2026-03-01",
        skill_group_id: 501,
        skill_group_name: "Sales",
        calls: 1,
        answered: 1,
        abandoned: 0,
        answer_rate: 1,
        avg_queue_wait_sec: 5,
        p90_queue_wait_sec: 5,
        avg_talk_sec: 120,
        total_talk_sec: 120,
      },
      {
        day: "2026-03-02",
        skill_group_id: 501,
        skill_group_name: "Sales",
        calls: 3,
        answered: 2,
        abandoned: 1,
        answer_rate: 0.6667,
        avg_queue_wait_sec: 55, // (30 + 90 + 45) / 3
        p90_queue_wait_sec: 81, // interpolated between 45 and 90
        avg_talk_sec: 180, // (300 + 60) / 2, answered calls only
        total_talk_sec: 360,
      },
      {
        day: "2026-03-02",
        skill_group_id: 502,
        skill_group_name: "Support",
        calls: 1,
        answered: 1,
        abandoned: 0,
        answer_rate: 1,
        avg_queue_wait_sec: 5,
        p90_queue_wait_sec: 5,
        avg_talk_sec: 600,
        total_talk_sec: 600,
      },
    ]);
  });

  it("agent_daily_totals credits every agent who served a leg, transfers included", async () => {
    expect(await rows("agent_daily_totals", "day, agent_mail")).toEqual([
      { day: "2026-03-01", agent_mail: "alice@example.com", legs_offered: 1, legs_answered: 1, transfers_out: 0, total_talk_sec: 120, avg_talk_sec: 120 },
      { day: "2026-03-02", agent_mail: "alice@example.com", legs_offered: 2, legs_answered: 2, transfers_out: 1, total_talk_sec: 240, avg_talk_sec: 120 },
      { day: "2026-03-02", agent_mail: "bob@example.com", legs_offered: 1, legs_answered: 1, transfers_out: 0, total_talk_sec: 110, avg_talk_sec: 110 },
      { day: "2026-03-02", agent_mail: "carol@example.com", legs_offered: 1, legs_answered: 1, transfers_out: 0, total_talk_sec: 600, avg_talk_sec: 600 },
    ]);
  });
});
