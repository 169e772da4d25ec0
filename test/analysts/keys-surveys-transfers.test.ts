import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";
import { craftedCdr, viewRows, type CraftedCall } from "./crafted-calls";

const PRESSED_AT_MS = Date.parse("2026-03-02T10:00:03.250Z");

/** A call that went through the IVR, two transfers and the after-call survey. */
const CALL: CraftedCall = {
  direction: 0, skillGroup: [501, "Sales"], start: "2026-03-02T10:00:00Z", queued: "2026-03-02T10:00:10Z", ring: "2026-03-02T10:00:15Z",
  accept: "2026-03-02T10:00:20Z", ended: "2026-03-02T10:09:00Z", endStatus: "ok", agent: "carol@example.com",
  ivrKeys: [
    { Key: "2", Label: "Sales", Timestamp: PRESSED_AT_MS, NodeLabel: "main menu" },
    { Key: "1", Label: "New order", Timestamp: PRESSED_AT_MS + 4000 },
  ],
  survey: [{ Key: "5", Label: "Very satisfied" }],
  legs: [
    { mail: "alice@example.com", ring: "2026-03-02T10:00:15Z", accept: "2026-03-02T10:00:20Z", ended: "2026-03-02T10:03:00Z", transferTo: "bob@example.com" },
    { mail: "bob@example.com", ring: "2026-03-02T10:03:02Z", accept: "2026-03-02T10:03:05Z", ended: "2026-03-02T10:06:00Z", transferFrom: "alice@example.com", transferTo: "carol@example.com" },
    { mail: "carol@example.com", ring: "2026-03-02T10:06:01Z", accept: "2026-03-02T10:06:04Z", ended: "2026-03-02T10:09:00Z", transferFrom: "bob@example.com" },
  ],
};

describe("IVR key presses, survey answers and transfer chains, derived from the stored calls", () => {
  let service: TestService;
  const appId = uniqueSdkAppId();
  const sessionId = uniqueSessionId();
  const legacySessionId = uniqueSessionId();
  const unansweredSurveyId = uniqueSessionId();

  beforeAll(async () => {
    service = await startTestService();
    const pushes = [
      craftedCdr(appId, sessionId, CALL),
      // the deprecated IVRKeyPressed: keys only, no label, no time
      craftedCdr(appId, legacySessionId, { ...CALL, ivrKeys: undefined, survey: undefined, legs: [] }),
      craftedCdr(appId, unansweredSurveyId, { ...CALL, ivrKeys: undefined, survey: [{ Key: "noInput", Label: "" }], legs: [] }),
    ];
    pushes[1]!.IVRKeyPressed = ["3", "0"];
    for (const body of pushes) expect((await service.push("cdr", body)).body.ErrCode).toBe(0);
  });
  afterAll(() => service.stop());

  const rows = (view: string, orderBy: string) => viewRows(service.database.prisma, view, appId, orderBy);

  it("ivr_key_presses: one row per key, with its label and the time IVRKeyPressedEx gives in milliseconds", async () => {
    const presses = (await rows("ivr_key_presses", "session_id, position")).filter((row) => row.session_id === sessionId);
    expect(presses).toEqual([
      expect.objectContaining({ position: 1, key: "2", label: "Sales", node_label: "main menu", start_date: "2026-03-02" }),
      expect.objectContaining({ position: 2, key: "1", label: "New order", node_label: null }),
    ]);
    const times = await service.database.prisma.$queryRaw<{ pressed_at: Date }[]>`
      SELECT pressed_at FROM ivr_key_presses WHERE sdk_app_id = ${BigInt(appId)} AND session_id = ${sessionId} ORDER BY position`;
    expect(times.map((row) => row.pressed_at.getTime())).toEqual([PRESSED_AT_MS, PRESSED_AT_MS + 4000]);
  });

  it("ivr_key_presses: keys of the deprecated IVRKeyPressed list, without label or time", async () => {
    const presses = (await rows("ivr_key_presses", "position")).filter((row) => row.session_id === legacySessionId);
    expect(presses.map(({ key, label, pressed_at }) => ({ key, label, pressed_at }))).toEqual([
      { key: "3", label: null, pressed_at: null },
      { key: "0", label: null, pressed_at: null },
    ]);
  });

  it("survey_responses: the answer with the agent and group it rates, and a survey reached but not answered", async () => {
    expect(await rows("survey_responses", "session_id")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ session_id: sessionId, key: "5", label: "Very satisfied", responded: true, agent_mail: "carol@example.com", skill_group_name: "Sales" }),
        expect.objectContaining({ session_id: unansweredSurveyId, key: "noInput", label: null, responded: false }),
      ]),
    );
    expect((await rows("survey_responses", "session_id")).length).toBe(2);
  });

  it("transfer_chains: leg to leg, who transferred to whom and when, and whether the next agent answered", async () => {
    expect(await rows("transfer_chains", "from_sequence")).toEqual([
      {
        session_id: sessionId, start_date: "2026-03-02", from_sequence: 0, from_agent: "alice@example.com", from_type: "staffSeat",
        transfer_to: "bob@example.com", transfer_to_type: "staffSeat", transferred_at: "2026-03-02T10:03:02+00:00",
        to_sequence: 1, to_agent: "bob@example.com", to_type: "staffSeat", to_answered: true,
      },
      {
        session_id: sessionId, start_date: "2026-03-02", from_sequence: 1, from_agent: "bob@example.com", from_type: "staffSeat",
        transfer_to: "carol@example.com", transfer_to_type: "staffSeat", transferred_at: "2026-03-02T10:06:01+00:00",
        to_sequence: 2, to_agent: "carol@example.com", to_type: "staffSeat", to_answered: true,
      },
    ]);
  });
});
