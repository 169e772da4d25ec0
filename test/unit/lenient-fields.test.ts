import { cdrPushSchema, recordPushSchema } from "../../src/tccc/payloads";

/** The push schemas' lenience where the vendor's samples are loose, and strictness where a wrong value would look right. */
describe("lenient parsing of pushes", () => {
  it("takes numeric strings, null and empty strings for absent values, and 0 timestamps and ids as unknown", () => {
    const parsed = cdrPushSchema.parse({
      SdkAppId: "1400000001",
      SessionId: "s-1",
      Direction: "1",
      Duration: null,
      Caller: "",
      AcceptTimestamp: 0,
      QueuedSkillGroupId: 0,
      StartTimestamp: "1700000000",
    });
    expect(parsed).toMatchObject({ SdkAppId: 1400000001n, SessionId: "s-1", Direction: 1, StartTimestamp: new Date(1700000000 * 1000) });
    expect([parsed.Duration, parsed.Caller, parsed.AcceptTimestamp, parsed.QueuedSkillGroupId]).toEqual([undefined, undefined, undefined, undefined]);
    expect(parsed.ServeParticipants).toEqual([]);
  });

  it("keeps 64-bit ids exactly, beyond what a JavaScript number holds", () => {
    expect(cdrPushSchema.parse({ SdkAppId: "9223372036854775807", SessionId: "s" }).SdkAppId).toBe(9223372036854775807n);
    expect(cdrPushSchema.safeParse({ SdkAppId: "9223372036854775808", SessionId: "s" }).success).toBe(false);
  });

  it("takes EndpointUser as a number, but a RecordURL only as an http(s) URL", () => {
    const base = { SdkAppId: 1, SessionId: "s", RecordId: "r" };
    expect(recordPushSchema.parse({ ...base, EndpointUser: 8613800000000, RecordURL: "https://a.example/x.mp3" }).EndpointUser).toBe("8613800000000");
    for (const RecordURL of [42, "month12/a.mp3", "ftp://a.example/x.mp3"]) expect(recordPushSchema.safeParse({ ...base, RecordURL }).success).toBe(false);
  });

  it("refuses two legs with the same Sequence", () => {
    const result = cdrPushSchema.safeParse({ SdkAppId: 1, SessionId: "s", ServeParticipants: [{ Sequence: 0 }, { Sequence: 0 }] });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ["ServeParticipants", 1, "Sequence"], message: "duplicate Sequence 0" })]);
  });
});
