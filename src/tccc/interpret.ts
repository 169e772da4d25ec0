import { createHash } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { z } from "zod";
import { stringifyJson } from "../persistence/sql-json";
import { cdrPushToCallRecords, recordPushToCallRecords, telCdrToCallRecords, voicemailPushToCallRecords, type CallRecords } from "./call-records";
import { describeIssues } from "./fields";
import { cdrPushSchema, recordPushSchema, voicemailPushSchema, type PushAction } from "./payloads";
import { telCdrInfoSchema } from "./tel-cdr-info";

/**
 * The one place where a vendor body (a push, or a DescribeTelCdr record) becomes rows or the reason it cannot: the
 * schema of its shape, then the mapping (call-records.ts). Pure, so intake, replay and reconciliation all call it and
 * a fix reaches all three.
 */

export type Interpretation =
  | { ok: true; sdkAppId: bigint; sessionId: string; records: CallRecords }
  | { ok: false; sdkAppId?: bigint; sessionId?: string; error: string };

const handlers: { [A in PushAction]: { schema: z.ZodType; toRecords(payload: never): CallRecords } } = {
  cdr: { schema: cdrPushSchema, toRecords: cdrPushToCallRecords },
  record: { schema: recordPushSchema, toRecords: recordPushToCallRecords },
  voicemail: { schema: voicemailPushSchema, toRecords: voicemailPushToCallRecords },
};

/** Turns a parsed push body into rows, or into the reason it cannot be. */
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

export type TelCdrInterpretation =
  | { ok: true; recordKey: string; sessionId: string; body: unknown; records: CallRecords }
  | { ok: false; recordKey: string; sessionId?: string; body: unknown; error: string };

/** A record the API sends twice is one row; one without a usable SessionId is known by its content. */
function readableSessionId(record: unknown): string | undefined {
  const value = record && typeof record === "object" ? (record as Record<string, unknown>).SessionId : undefined;
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;
}

/** A DescribeTelCdr record of the application the request named (the record names none). */
export function interpretTelCdr(sdkAppId: bigint, record: unknown): TelCdrInterpretation {
  const parsed = telCdrInfoSchema.safeParse(record);
  if (parsed.success) return { ok: true, recordKey: parsed.data.SessionId, sessionId: parsed.data.SessionId, body: record, records: telCdrToCallRecords(sdkAppId, parsed.data) };
  const sessionId = readableSessionId(record);
  const recordKey = sessionId ?? `sha256:${createHash("sha256").update(stringifyJson(record ?? null)).digest("hex")}`;
  return { ok: false, recordKey, sessionId, body: record ?? null, error: describeIssues(parsed.error) };
}

const PARSE_SLICE = 10;

/** Parses a page; yields now and then, since a page takes ~20 ms and requests granted meanwhile must go out on time. */
export async function interpretTelCdrPage(sdkAppId: bigint, records: unknown[]): Promise<TelCdrInterpretation[]> {
  const interpreted: TelCdrInterpretation[] = [];
  for (const [index, record] of records.entries()) {
    if (index % PARSE_SLICE === PARSE_SLICE - 1) await yieldToEventLoop();
    interpreted.push(interpretTelCdr(sdkAppId, record));
  }
  return interpreted;
}

/** What a failed record's `error` on the run says about it. */
export const describeFailedRecord = (record: Extract<TelCdrInterpretation, { ok: false }>) => `${record.sessionId ?? "(no SessionId)"}: ${record.error}`;
