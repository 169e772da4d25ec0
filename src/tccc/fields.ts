import { z } from "zod";
import { parseSdkAppId, SDK_APP_ID_RULE } from "./sdk-app-id";

/**
 * Field parsers shared by every TCCC payload (pushes and DescribeTelCdr records). Deliberately lenient where the
 * vendor's own samples are loose: numbers where strings are documented (EndpointUser), null or "" for absent values,
 * numeric strings for numbers. Strict where a wrong value would be stored as if it were right: URLs.
 */

export const isAbsent = (value: unknown) => value === null || value === undefined || value === "";

/** A string field; a JSON number is taken as its decimal text. */
export const text = z.preprocess(
  (value) => (isAbsent(value) ? undefined : typeof value === "number" ? String(value) : value),
  z.string().optional(),
);

export const requiredText = (field: string) =>
  z.preprocess(
    (value) => (isAbsent(value) ? undefined : typeof value === "number" ? String(value) : value),
    z.string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) }),
  );

/** The SessionId every record is filed under. */
export const sessionIdField = requiredText("SessionId").pipe(z.string().min(1, "SessionId is required"));

const numericString = /^-?\d{1,19}$/;

/** An integer field; a numeric string is accepted. Bounds keep every value inside its column type. */
export const integer = (min: number, max: number) =>
  z.preprocess(
    (value) => (isAbsent(value) ? undefined : typeof value === "string" && numericString.test(value.trim()) ? Number(value) : value),
    z.number().int().min(min).max(max).optional(),
  );

export const INT16_MAX = 32_767;
export const INT32_MAX = 2_147_483_647;
const INT64_MAX = 9_223_372_036_854_775_807n;
const LAST_SECOND_OF_9999 = 253_402_300_799;

/** Unix seconds; TCCC sends 0 for an event that did not happen (AcceptTimestamp 0 = never answered). */
export const unixSeconds = integer(0, LAST_SECOND_OF_9999).transform((seconds) => (seconds ? new Date(seconds * 1000) : undefined));

function parseBigId(value: unknown): bigint | undefined {
  const digits = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : typeof value === "string" ? value.trim() : "";
  return /^\d{1,19}$/.test(digits) && BigInt(digits) <= INT64_MAX ? BigInt(digits) : undefined;
}

/**
 * Identifiers that may exceed 2^53 arrive as numbers or strings and are kept exactly as bigint. TCCC numbers its
 * skill groups and agents from 1 and sends 0 for "none" (a call that never queued), which is stored as NULL.
 */
export const optionalBigId = (field: string) =>
  z.unknown().optional().transform((value, ctx): bigint | undefined => {
    if (isAbsent(value)) return undefined;
    const id = parseBigId(value);
    if (id === undefined) ctx.addIssue({ code: "custom", message: `${field} must be a non-negative 64-bit integer` });
    return id === 0n ? undefined : id;
  });

/** The push's SdkAppId, read by the one check of application ids. */
export const requiredSdkAppId = z.unknown().optional().transform((value, ctx): bigint => {
  const id = isAbsent(value) ? undefined : parseSdkAppId(value);
  if (id !== undefined) return id;
  ctx.addIssue({ code: "custom", message: isAbsent(value) ? "SdkAppId is required" : `SdkAppId must be ${SDK_APP_ID_RULE}` });
  return z.NEVER;
});

/** A short description of a wrong value for an error message: never the whole of a large or deeply nested one. */
const describeValue = (value: unknown) =>
  typeof value === "string"
    ? `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`
    : Array.isArray(value)
      ? "an array"
      : typeof value === "object" && value !== null
        ? "an object"
        : `the ${typeof value} ${String(value)}`;

/**
 * A URL we may later fetch or hand to an analyst: a string that parses as an absolute http(s) URL. Anything else (the
 * number 42, "recording.mp3", "ftp://…") is an error, never a row that looks valid; "" and null mean absent.
 */
export const httpUrl = z.unknown().optional().transform((value, ctx): string | undefined => {
  if (isAbsent(value)) return undefined;
  if (typeof value === "string") {
    try {
      const url = new URL(value);
      if ((url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "") return value;
    } catch {
      // reported below
    }
  }
  ctx.addIssue({ code: "custom", message: `must be an http(s) URL, not ${describeValue(value)}` });
  return z.NEVER;
});

export const objectOrAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (isAbsent(value) ? undefined : value), schema.optional());

export const listOrAbsent = <T extends z.ZodType>(item: T, max: number) => z.preprocess((value) => (isAbsent(value) ? [] : value), z.array(item).max(max));

/** A list whose empty entries ("" or null) are dropped. */
export const listOfPresent = <T extends z.ZodType>(item: T, max: number) =>
  listOrAbsent(item, max).transform((items) => items.filter((entry): entry is NonNullable<z.output<T>> => entry !== undefined && entry !== null));

export const MAX_LIST_ENTRIES = 1000;

/**
 * Key presses (IVRKeyPressed, IVRKeyPressedEx, PostIVRKeyPressed, PostIVRKeyPressedEx): documented as a list of
 * strings or of `{Key, Label, ...}` objects, kept as sent (jsonb) whatever they hold; null means absent.
 */
export const keyPressList = z.unknown().optional().transform((value) => (value === null || value === undefined ? undefined : value));
export type KeyPressList = NonNullable<z.output<typeof keyPressList>>;

/** Readable, one line: `SessionId: SessionId is required; ServeParticipants.0.Sequence: ...` */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
}
