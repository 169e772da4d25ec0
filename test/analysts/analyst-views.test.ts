import { sampleRecord, sampleVoicemail } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";
import { craftedCdr, viewRows, type CraftedCall } from "./crafted-calls";

const SALES: [number, string] = [501, "Sales"];
const SUPPORT: [number, string] = [502, "Support"];

/**
 * One day of crafted calls (2 March 2026 in Asia/Shanghai, the default ANALYTICS_TIME_ZONE), pushed through the HTTP
 * endpoint, and what each view must say about them (docs/data-dictionary.md defines every figure).
 */
const CALLS: Record<string, CraftedCall> = {
  // waits 30 s, alice talks 3 min and transfers to bob, who talks 110 s
  transferred: {
    direction: 0, skillGroup: SALES, start: "2026-03-02T10:00:00Z", queued: "2026-03-02T10:00:10Z", ring: "2026-03-02T10:00:15Z",
    accept: "2026-03-02T10:00:40Z", ended: "2026-03-02T10:05:40Z", endStatus: "ok", agent: "bob@example.com", recordId: "customer-track",
    legs: [
      { mail: "alice@example.com", ring: "2026-03-02T10:00:35Z", accept: "2026-03-02T10:00:40Z", ended: "2026-03-02T10:03:40Z", transferTo: "bob@example.com", recordId: "alice-track" },
      { mail: "bob@example.com", ring: "2026-03-02T10:03:45Z", accept: "2026-03-02T10:03:50Z", ended: "2026-03-02T10:05:40Z", transferFrom: "alice@example.com", recordId: "bob-track" },
    ],
  },
  waitsThenTalks: {
    direction: 0, skillGroup: SALES, start: "2026-03-02T11:00:00Z", queued: "2026-03-02T11:00:00Z", ring: "2026-03-02T11:01:25Z",
    accept: "2026-03-02T11:01:30Z", ended: "2026-03-02T11:02:30Z", endStatus: "ok", agent: "alice@example.com",
    legs: [{ mail: "alice@example.com", ring: "2026-03-02T11:01:25Z", accept: "2026-03-02T11:01:30Z", ended: "2026-03-02T11:02:30Z" }],
  },
  givesUpWaiting: { direction: 0, skillGroup: SALES, start: "2026-03-02T12:00:00Z", queued: "2026-03-02T12:00:00Z", ended: "2026-03-02T12:00:45Z", endStatus: "waitingGiveUp" },
  givesUpRinging: {
    direction: 0, skillGroup: SALES, start: "2026-03-02T12:30:00Z", queued: "2026-03-02T12:30:00Z", ring: "2026-03-02T12:30:10Z", ended: "2026-03-02T12:30:30Z", endStatus: "ringingGiveUp",
    legs: [{ mail: "carol@example.com", ring: "2026-03-02T12:30:10Z", ended: "2026-03-02T12:30:30Z", endStatus: "ringingGiveUp" }],
  },
  // routed to the group, never queued: nobody was online
  noAgentOnline: { direction: 0, skillGroup: SALES, start: "2026-03-02T13:00:00Z", ended: "2026-03-02T13:00:20Z", endStatus: "noSeatOnline" },
  // the queue's timeout handed the call back to the flow, which ended it
  queueTimedOut: { direction: 0, skillGroup: SALES, start: "2026-03-02T13:30:00Z", queued: "2026-03-02T13:30:00Z", ended: "2026-03-02T13:32:00Z", endStatus: "ivrEnd" },
  // already 2 March in China, still 1 March in UTC
  chinaEarlyMorning: {
    direction: 0, skillGroup: SALES, start: "2026-03-01T23:59:50Z", queued: "2026-03-01T23:59:50Z", ring: "2026-03-01T23:59:52Z",
    accept: "2026-03-01T23:59:55Z", ended: "2026-03-02T00:01:55Z", endStatus: "ok", agent: "alice@example.com",
    legs: [{ mail: "alice@example.com", ring: "2026-03-01T23:59:50Z", accept: "2026-03-01T23:59:55Z", ended: "2026-03-02T00:01:55Z" }],
  },
  // answered, but TCCC sent no end time: the talk time is its Duration
  noEndTime: {
    direction: 0, skillGroup: SUPPORT, start: "2026-03-02T14:00:00Z", queued: "2026-03-02T14:00:00Z", ring: "2026-03-02T14:00:03Z", accept: "2026-03-02T14:00:05Z",
    duration: 60, endStatus: "ok", agent: "carol@example.com",
    legs: [{ mail: "carol@example.com", ring: "2026-03-02T14:00:03Z", accept: "2026-03-02T14:00:05Z", ended: "2026-03-02T14:01:05Z" }],
  },
  // queued, then nothing known: no answer, no end, no status
  nothingAfterQueue: { direction: 0, skillGroup: SUPPORT, start: "2026-03-02T14:30:00Z", queued: "2026-03-02T14:30:00Z", endStatus: "" },
  // the vendor's sample: the agent's leg is up, the number does not exist; the CDR still names the agent's group
  outboundNumberNotExist: {
    direction: 1, skillGroup: SALES, start: "2026-03-02T15:00:00Z", ring: "2026-03-02T15:00:04Z", ended: "2026-03-02T15:00:13Z", endStatus: "numberNotExist", agent: "dave@example.com",
    legs: [{ mail: "dave@example.com", ring: "2026-03-02T15:00:00Z", accept: "2026-03-02T15:00:01Z", ended: "2026-03-02T15:00:13Z", endStatus: "ok" }],
  },
  // the agent is on the line from 15:30:01, the customer answers at 15:30:10: two minutes of talk
  outboundAnswered: {
    direction: 1, skillGroup: SALES, start: "2026-03-02T15:30:00Z", ring: "2026-03-02T15:30:05Z", accept: "2026-03-02T15:30:10Z", ended: "2026-03-02T15:32:10Z",
    endStatus: "ok", agent: "dave@example.com",
    legs: [{ mail: "dave@example.com", ring: "2026-03-02T15:30:00Z", accept: "2026-03-02T15:30:01Z", ended: "2026-03-02T15:32:10Z" }],
  },
};

describe("the analysts' views, over crafted calls pushed through the HTTP endpoint", () => {
  let service: TestService;
  const appId = uniqueSdkAppId();
  const sessionIds = Object.fromEntries(Object.keys(CALLS).map((name) => [name, uniqueSessionId()])) as Record<keyof typeof CALLS, string>;

  beforeAll(async () => {
    service = await startTestService();
    for (const [name, call] of Object.entries(CALLS)) expect((await service.push("cdr", craftedCdr(appId, sessionIds[name]!, call))).body.ErrCode).toBe(0);
    const transferred = sessionIds.transferred!;
    for (const recordId of ["customer-track", "alice-track"]) {
      expect((await service.push("record", sampleRecord(appId, transferred, { RecordId: recordId }))).body.ErrCode).toBe(0);
    }
    expect((await service.push("voicemail", sampleVoicemail(appId, transferred))).body.ErrCode).toBe(0);
    // the mirror is not running in these tests: mark one track and the voicemail as it would
    await service.database.prisma.recording.updateMany({
      where: { sdkAppId: BigInt(appId), OR: [{ recordId: "alice-track" }, { kind: "voicemail" }] },
      data: { mirrorStatus: "mirrored", mirroredAt: new Date() },
    });
  });
  afterAll(() => service.stop());

  const rows = (view: string, orderBy: string) => viewRows(service.database.prisma, view, appId, orderBy);
  async function facts(name: keyof typeof CALLS): Promise<Record<string, unknown>> {
    const [row] = (await rows("call_facts", "start_at")).filter((candidate) => candidate.session_id === sessionIds[name]);
    return row!;
  }

  describe("call_facts", () => {
    it("gives an answered, transferred call its wait, ring and talk time, legs, tracks and voicemails apart, and the track nobody delivered", async () => {
      expect(await facts("transferred")).toMatchObject({
        direction_name: "inbound",
        start_date: "2026-03-02",
        answered: true,
        queued: true,
        abandoned: false,
        abandon_reason: null,
        queue_wait_sec: 30,
        ring_sec: 25,
        talk_sec: 300,
        agent_user_id: "bob@example.com",
        agent_mail: "bob@example.com",
        skill_group_id: 501,
        end_status: "ok",
        legs: 2,
        transfers: 1,
        recordings: 2,
        recordings_mirrored: 1,
        voicemails: 1,
        voicemails_mirrored: 1,
        missing_tracks: 1, // bob's track was never delivered
        cdr_pushed: true,
        source: "push",
      });
    });

    it("falls back to TCCC's Duration for the talk time when the end time is missing", async () => {
      expect(await facts("noEndTime")).toMatchObject({ answered: true, ended_at: null, talk_sec: 60, queue_wait_sec: 5 });
    });

    it("leaves the queue wait unknown (NULL) when neither the answer nor the end is known, or the call never queued", async () => {
      expect(await facts("nothingAfterQueue")).toMatchObject({ answered: false, queue_wait_sec: null, talk_sec: null, abandoned: true });
      expect(await facts("noAgentOnline")).toMatchObject({ queued: true, queue_wait_sec: null, abandoned: true });
    });

    it("names why each queued inbound call was abandoned, from its end status", async () => {
      const reasons = await Promise.all((["givesUpWaiting", "givesUpRinging", "noAgentOnline", "queueTimedOut"] as const).map(async (name) => (await facts(name)).abandon_reason));
      expect(reasons).toEqual(["waiting", "ringing", "no_agent_online", "queue_timeout"]);
    });

    it("counts an outbound call as answered only when the customer answered, and never as queued or abandoned", async () => {
      expect(await facts("outboundNumberNotExist")).toMatchObject({ direction_name: "outbound", answered: false, queued: false, abandoned: false, talk_sec: null, queue_wait_sec: null, ring_sec: 9, skill_group_id: 501 });
      expect(await facts("outboundAnswered")).toMatchObject({ answered: true, talk_sec: 120, ring_sec: 5 });
    });

    it("dates calls by the contact center's day, and keeps the UTC date beside it", async () => {
      expect(await facts("chinaEarlyMorning")).toMatchObject({ start_date: "2026-03-02", start_date_utc: "2026-03-01" });
    });
  });

  it("leg_facts: an outbound agent leg whose customer never answered is not answered and has no talk; an answered one talks from the customer's answer", async () => {
    const legs = (await rows("leg_facts", "start_at")).filter((leg) => leg.agent_mail === "dave@example.com");
    expect(legs.map(({ session_id, answered, talk_sec }) => ({ session_id, answered, talk_sec }))).toEqual([
      { session_id: sessionIds.outboundNumberNotExist, answered: false, talk_sec: null },
      { session_id: sessionIds.outboundAnswered, answered: true, talk_sec: 120 },
    ]);
  });

  it("daily_skill_group_totals: inbound queue figures per group and day, outbound calls in rows of their own", async () => {
    const none = { abandoned: 0, abandoned_waiting: 0, abandoned_ringing: 0, abandoned_no_agent_online: 0, abandoned_queue_timeout: 0 };
    expect(await rows("daily_skill_group_totals", "day, direction, skill_group_id")).toEqual([
      {
        day: "2026-03-02", direction: 0, direction_name: "inbound", skill_group_id: 501, skill_group_name: "Sales",
        calls: 7, answered: 3, answer_rate: 0.4286, queued: 7,
        abandoned: 4, abandoned_waiting: 1, abandoned_ringing: 1, abandoned_no_agent_online: 1, abandoned_queue_timeout: 1,
        avg_queue_wait_sec: 53.3, // (30 + 90 + 45 + 30 + 120 + 5) / 6: the call that never queued has no wait
        p90_queue_wait_sec: 105, // interpolated between 90 and 120
        avg_ring_sec: 13.3, // (25 + 5 + 20 + 3) / 4
        avg_talk_sec: 160, // (300 + 60 + 120) / 3, answered calls only
        total_talk_sec: 480,
      },
      {
        day: "2026-03-02", direction: 0, direction_name: "inbound", skill_group_id: 502, skill_group_name: "Support",
        calls: 2, answered: 1, answer_rate: 0.5, queued: 2, ...none, abandoned: 1, abandoned_queue_timeout: 1,
        avg_queue_wait_sec: 5, p90_queue_wait_sec: 5, avg_ring_sec: 2, avg_talk_sec: 60, total_talk_sec: 60,
      },
      {
        day: "2026-03-02", direction: 1, direction_name: "outbound", skill_group_id: 501, skill_group_name: "Sales",
        calls: 2, answered: 1, answer_rate: 0.5, queued: 0, ...none,
        avg_queue_wait_sec: null, p90_queue_wait_sec: null, avg_ring_sec: 7, avg_talk_sec: 120, total_talk_sec: 120,
      },
    ]);
  });

  it("agent_daily_totals: every agent who served a leg, averages over answered legs only", async () => {
    expect(await rows("agent_daily_totals", "day, agent_mail")).toEqual([
      { day: "2026-03-02", agent_mail: "alice@example.com", legs_offered: 3, legs_answered: 3, transfers_out: 1, total_talk_sec: 360, avg_talk_sec: 120, avg_ring_sec: 5 },
      { day: "2026-03-02", agent_mail: "bob@example.com", legs_offered: 1, legs_answered: 1, transfers_out: 0, total_talk_sec: 110, avg_talk_sec: 110, avg_ring_sec: 5 },
      // one answered 60 s leg and one that rang out: 60 s on average, not 30
      { day: "2026-03-02", agent_mail: "carol@example.com", legs_offered: 2, legs_answered: 1, transfers_out: 0, total_talk_sec: 60, avg_talk_sec: 60, avg_ring_sec: 11 },
      // the leg of the number that does not exist is offered, not answered, and adds no talk
      { day: "2026-03-02", agent_mail: "dave@example.com", legs_offered: 2, legs_answered: 1, transfers_out: 0, total_talk_sec: 120, avg_talk_sec: 120, avg_ring_sec: 1 },
    ]);
  });
});
