import type { z } from "zod";
import { cdrPushToCallRecords, recordPushToCallRecords, voicemailPushToCallRecords, type CallRecords } from "../persistence/call-records";
import { describeIssues } from "../tccc/fields";
import { cdrPushSchema, recordPushSchema, voicemailPushSchema, type PushAction } from "../tccc/payloads";

export type Interpretation =
  | { ok: true; sdkAppId: bigint; sessionId: string; records: CallRecords }
  | { ok: false; sdkAppId?: bigint; sessionId?: string; error: string };

const handlers: { [A in PushAction]: { schema: z.ZodType; toRecords(payload: never): CallRecords } } = {
  cdr: { schema: cdrPushSchema, toRecords: cdrPushToCallRecords },
  record: { schema: recordPushSchema, toRecords: recordPushToCallRecords },
  voicemail: { schema: voicemailPushSchema, toRecords: voicemailPushToCallRecords },
};

/** Turns a parsed push body into rows, or into the reason it cannot be. Pure: used by intake and by replay. */
export function interpretPush(action: PushAction, body: unknown): Interpretation {
  const { schema, toRecords } = handlers[action];
  const result = schema.safeParse(body);
  if (!result.success) return { ok: false, ...identifyBestEffort(body), error: describeIssues(result.error) };
  const payload = result.data as { SdkAppId: bigint; SessionId: string };
  return { ok: true, sdkAppId: payload.SdkAppId, sessionId: payload.SessionId, records: toRecords(payload as never) };
}

/** A push that fails validation is still filed under its app and session when those two fields are readable. */
function identifyBestEffort(body: unknown): { sdkAppId?: bigint; sessionId?: string } {
  if (!body || typeof body !== "object" || Array.isArray(body)) return {};
  const { SdkAppId, SessionId } = body as Record<string, unknown>;
  const appDigits = typeof SdkAppId === "number" && Number.isSafeInteger(SdkAppId) && SdkAppId >= 0 ? String(SdkAppId) : typeof SdkAppId === "string" ? SdkAppId : "";
  return {
    sdkAppId: /^\d{1,18}$/.test(appDigits) ? BigInt(appDigits) : undefined,
    sessionId: typeof SessionId === "string" && SessionId !== "" ? SessionId : undefined,
  };
}
