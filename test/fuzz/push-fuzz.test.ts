import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { ErrCode } from "../../src/errors/app-errors";
import { PUSH_ACTIONS, type PushAction } from "../../src/tccc/payloads";
import { sampleCdr, sampleRecord, sampleVoicemail } from "../support/payloads";
import { startTestService, uniqueSdkAppId, uniqueSessionId, type TestService } from "../support/test-service";
import { deeplyNested, mangled, nestedJson, prototypeSnapshot } from "./support/hostile-input";

/**
 * Property-based fuzzing of POST /tccc/push. Whatever arrives, the answer is JSON with a known ErrCode and never a
 * 5xx (TCCC would retry a 5xx forever-ish and an operator would be paged for input, not for a fault); what is
 * acknowledged is stored with exactly the JSON that was sent, and what is refused leaves nothing behind.
 */
const BODY_LIMIT = 64 * 1024;
const KNOWN_ERR_CODES = new Set<number>(Object.values(ErrCode));
const samples: Record<PushAction, (sdkAppId: number, sessionId: string) => Record<string, unknown>> = {
  cdr: sampleCdr,
  record: sampleRecord,
  voicemail: sampleVoicemail,
};

describe("fuzzing /tccc/push", () => {
  let service: TestService;
  const prototypesBefore = prototypeSnapshot();
  beforeAll(async () => {
    service = await startTestService({ PUSH_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  });
  afterAll(() => service.stop());

  /**
   * Whether the stored body equals the JSON that was sent, or undefined when no push with this uuid was stored.
   * PostgreSQL compares, not JavaScript: it keeps every digit of 1e400 (where JSON.parse says Infinity), and a
   * recursive comparison in JavaScript would overflow its stack on the deep nesting the service rightly stores.
   */
  async function storedAsSent(pushUuid: string, sent: string): Promise<boolean | undefined> {
    const rows = await service.database.prisma.$queryRaw<{ same: boolean }[]>`
      SELECT body = ${sent}::jsonb AS same FROM push_inbox WHERE push_uuid = ${pushUuid}`;
    return rows[0]?.same;
  }

  /** Sends one push with a fresh uuid and checks every promise the endpoint makes about it. */
  async function expectHandledSafely(action: PushAction, body: string | Uint8Array, target: TestService = service): Promise<number> {
    const pushUuid = `fuzz-${randomUUID()}`;
    const response = await fetch(`${target.url}/tccc/push?action=${action}&version=1`, {
      method: "POST",
      headers: { "Content-Type": "application/json;charset=utf8", "X-TCCC-PUSH-UUID": pushUuid },
      body: typeof body === "string" ? body : new Uint8Array(body),
    });
    const text = await response.text();
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const answer = JSON.parse(text) as { ErrCode: unknown; ErrMsg: unknown };
    expect(KNOWN_ERR_CODES.has(answer.ErrCode as number)).toBe(true);
    expect(typeof answer.ErrMsg).toBe("string");
    expect([200, 400, 413]).toContain(response.status);

    const sent = typeof body === "string" ? body : new TextDecoder().decode(body);
    const stored = await storedAsSent(pushUuid, answer.ErrCode === ErrCode.OK ? sent : "null");
    if (answer.ErrCode === ErrCode.OK) {
      expect(response.status).toBe(200);
      expect(stored).toBe(true);
    } else {
      expect(stored).toBeUndefined();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeSnapshot()).toEqual(prototypesBefore);
    return answer.ErrCode as number;
  }

  describe.each(PUSH_ACTIONS)("action=%s", (action) => {
    const valid = samples[action](uniqueSdkAppId(), uniqueSessionId());

    it("answers arbitrary bytes with JSON and a known ErrCode, never a 5xx", async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.string({ unit: "binary", maxLength: 2048 })), (body) =>
          expectHandledSafely(action, body).then(() => undefined),
        ),
        { numRuns: 150 },
      );
    });

    it("stores arbitrary JSON exactly as sent, or refuses it and stores nothing", async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), (value) => expectHandledSafely(action, JSON.stringify(value)).then(() => undefined)),
        { numRuns: 150 },
      );
    });

    it("survives wrong types, numbers as strings and __proto__/constructor keys in a payload of the right shape", async () => {
      await fc.assert(
        fc.asyncProperty(mangled(valid), (payload) => expectHandledSafely(action, JSON.stringify(payload)).then(() => undefined)),
        { numRuns: 200 },
      );
    });

    it("handles deep nesting, alone and inside a valid payload", async () => {
      await fc.assert(
        fc.asyncProperty(deeplyNested, fc.boolean(), async (nested, inside) => {
          const body = inside ? JSON.stringify({ ...valid, Extra: "#" }).replace('"#"', nested) : nested;
          await expectHandledSafely(action, body);
        }),
        { numRuns: 30 },
      );
    });

    it("stores a huge string within the body limit and refuses one beyond it with 1003", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4 * BODY_LIMIT }), fc.constantFrom("x", "é", "漢", "😀"), async (length, unit) => {
          const body = JSON.stringify({ ...valid, UserRemark: unit.repeat(length) });
          const errCode = await expectHandledSafely(action, body);
          expect(errCode).toBe(Buffer.byteLength(body) > BODY_LIMIT ? ErrCode.BODY_TOO_LARGE : ErrCode.OK);
        }),
        { numRuns: 25 },
      );
    });
  });

  describe("nesting between 1,000 and 13,000 levels, which JSON.parse and PostgreSQL both take", () => {
    // the production body limit: 13,000 levels of objects take 78 KB
    let roomy: TestService;
    beforeAll(async () => {
      roomy = await startTestService();
    });
    afterAll(() => roomy.stop());
    const depths = nestedJson(1_000, 13_000);

    it.each(PUSH_ACTIONS)("action=%s: stores the push wherever the nesting sits, in a known field, an unknown one or alone", async (action) => {
      const valid = samples[action](uniqueSdkAppId(), uniqueSessionId());
      await fc.assert(
        fc.asyncProperty(depths, fc.option(fc.constantFrom(...Object.keys(valid), "Extra")), async (nested, field) => {
          const body = field === null ? nested : JSON.stringify({ ...valid, [field]: "#" }).replace('"#"', nested);
          expect(await expectHandledSafely(action, body, roomy)).toBe(ErrCode.OK);
        }),
        { numRuns: 25 },
      );
    });

    it("keeps a deeply nested IVR key list in call_sessions as sent", async () => {
      const columns = { IVRKeyPressed: "ivr_key_pressed", IVRKeyPressedEx: "ivr_key_pressed", PostIVRKeyPressed: "post_ivr_key_pressed" } as const;
      await fc.assert(
        fc.asyncProperty(depths, fc.constantFrom(...(Object.keys(columns) as (keyof typeof columns)[])), async (nested, field) => {
          const sdkAppId = uniqueSdkAppId();
          const sessionId = uniqueSessionId();
          const body = JSON.stringify(sampleCdr(sdkAppId, sessionId, { [field]: "#" })).replace('"#"', nested);

          expect(await expectHandledSafely("cdr", body, roomy)).toBe(ErrCode.OK);

          const [row] = await roomy.database.prisma.$queryRawUnsafe<{ same: boolean }[]>(
            `SELECT ${columns[field]} = $1::jsonb AS same FROM call_sessions WHERE sdk_app_id = $2 AND session_id = $3`,
            nested,
            BigInt(sdkAppId),
            sessionId,
          );
          expect(row?.same).toBe(true);
        }),
        { numRuns: 20 },
      );
    });
  });

  it("refuses JSON nested deeper than PostgreSQL can parse with ErrCode 1005, not a 500, and stores nothing", async () => {
    const nested = "[".repeat(20_000) + "]".repeat(20_000);

    const errCode = await expectHandledSafely("cdr", JSON.stringify({ ...sampleCdr(uniqueSdkAppId(), uniqueSessionId()), Extra: "#" }).replace('"#"', nested));

    expect(errCode).toBe(ErrCode.UNSTORABLE_BODY);
  });

  it("processes a push whose numbers all arrive as strings exactly as the one with numbers", async () => {
    const numericFields = ["SdkAppId", "Direction", "Duration", "IVRDuration", "RingTimestamp", "EndedTimestamp", "StartTimestamp", "QueuedSkillGroupId"];
    await fc.assert(
      fc.asyncProperty(fc.subarray(numericFields, { minLength: 1 }), async (asStrings) => {
        const sdkAppId = uniqueSdkAppId();
        const sessionId = uniqueSessionId();
        const cdr = sampleCdr(sdkAppId, sessionId);
        const stringified = Object.fromEntries(Object.entries(cdr).map(([key, value]) => [key, asStrings.includes(key) ? String(value) : value]));

        expect(await expectHandledSafely("cdr", JSON.stringify(stringified))).toBe(ErrCode.OK);

        const session = await service.database.prisma.callSession.findUniqueOrThrow({ where: { sdkAppId_sessionId: { sdkAppId: BigInt(sdkAppId), sessionId } } });
        expect(session).toMatchObject({ direction: 1, durationSec: 0, queuedSkillGroupId: 2734n, endedAt: new Date(1677140081_000) });
      }),
      { numRuns: 30 },
    );
  });
});
