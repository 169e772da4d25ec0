import { z } from "zod";
import { pushFilterSchema } from "../../src/admin/push-admin-service";
import { loadConfig } from "../../src/config/env";
import { reconcileSweepJob, reconcileWindowJob } from "../../src/reconciliation/reconcile-jobs";
import { parseSdkAppId, sdkAppIdField, SDK_APP_ID_MAX } from "../../src/tccc/sdk-app-id";

/** The one check of a TCCC application id, and its form where it crosses JSON (admin requests and answers, job payloads). */
describe("SdkAppId", () => {
  it("is a positive integer up to 2^63-1, the range of the BIGINT columns", () => {
    expect(parseSdkAppId(1)).toBe(1n);
    expect(parseSdkAppId(1_400_482_256)).toBe(1_400_482_256n);
    expect(parseSdkAppId("9223372036854775807")).toBe(SDK_APP_ID_MAX);
    expect(SDK_APP_ID_MAX).toBe(9_223_372_036_854_775_807n);
    for (const outside of [0, "0", -1, "-1", "9223372036854775808", "99999999999999999999", SDK_APP_ID_MAX + 1n]) expect(parseSdkAppId(outside)).toBeUndefined();
  });

  it("reads decimal text (spaces around it aside) and exact numbers, nothing else", () => {
    expect(parseSdkAppId(" 1400482256 ")).toBe(1_400_482_256n);
    expect(parseSdkAppId("007")).toBe(7n);
    expect(parseSdkAppId(1_400_482_256n)).toBe(1_400_482_256n);
    for (const notAnId of [1.5, "1.5", "1e9", 1e20, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, "", " ", "0x10", "12a", "+12", true, null, undefined, {}, [1]]) {
      expect(parseSdkAppId(notAnId)).toBeUndefined();
    }
  });

  it("crosses JSON as decimal text and is read back from text or a number", () => {
    expect(sdkAppIdField.parse("9223372036854775807")).toBe(SDK_APP_ID_MAX);
    expect(sdkAppIdField.parse(1_400_482_256)).toBe(1_400_482_256n);
    expect(z.encode(sdkAppIdField, SDK_APP_ID_MAX)).toBe("9223372036854775807");
    const refused = sdkAppIdField.safeParse(0);
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe("must be an application id (a positive integer up to 2^63-1)");
  });

  it("still reads the jobs an earlier version queued in Redis, where it was a number (or, in filters, text)", () => {
    expect(reconcileSweepJob.payload.parse({ sdkAppId: 1_400_482_256 })).toEqual({ sdkAppId: 1_400_482_256n });
    expect(reconcileWindowJob.payload.parse({ sdkAppId: 1_400_482_256, start: 100, end: 200, runId: "7" })).toEqual({ sdkAppId: 1_400_482_256n, start: 100, end: 200, runId: "7" });
    expect(pushFilterSchema.parse({ status: "failed", sdkAppId: "1400482256" })).toEqual({ status: "failed", sdkAppId: 1_400_482_256n });
    // what this version queues: text, which JSON carries exactly
    expect(JSON.stringify(z.encode(reconcileSweepJob.payload, { sdkAppId: SDK_APP_ID_MAX }))).toBe('{"sdkAppId":"9223372036854775807"}');
  });

  it("is what TCCC_SDK_APP_IDS lists, deduplicated", () => {
    const config = (ids: string) => loadConfig({ DATABASE_URL: "postgresql://localhost/x", TCCC_SECRET_ID: "id", TCCC_SECRET_KEY: "key", TCCC_SDK_APP_IDS: ids });
    expect(config("1400482256, 9223372036854775807,1400482256").TCCC_SDK_APP_IDS).toEqual([1_400_482_256n, SDK_APP_ID_MAX]);
    for (const wrong of ["0", "1400482256,abc", "9223372036854775808", ","]) expect(() => config(wrong)).toThrow(/TCCC_SDK_APP_IDS/);
  });
});
