import { z } from "zod";

/**
 * What TCCC sends us, by push (cdr, record, voicemail) and by DescribeTelCdr (TelCdrInfo: the CDR fields plus a few
 * the API alone has). Parsing is deliberately lenient where the vendor's own samples are loose: numbers where strings
 * are documented (EndpointUser), null or "" for absent values, numeric strings for numbers. Unknown fields are
 * dropped here; the raw body in push_inbox keeps them.
 */

const isAbsent = (value: unknown) => value === null || value === undefined || value === "";

/** A string field; a JSON number is taken as its decimal text. */
const text = z.preprocess(
  (value) => (isAbsent(value) ? undefined : typeof value === "number" ? String(value) : value),
  z.string().optional(),
);

const requiredText = (field: string) =>
  z.preprocess(
    (value) => (isAbsent(value) ? undefined : typeof value === "number" ? String(value) : value),
    z.string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) }),
  );

const numericString = /^-?\d{1,19}$/;

/** An integer field; a numeric string is accepted. Bounds keep every value inside its column type. */
const integer = (min: number, max: number) =>
  z.preprocess(
    (value) => (isAbsent(value) ? undefined : typeof value === "string" && numericString.test(value.trim()) ? Number(value) : value),
    z.number().int().min(min).max(max).optional(),
  );

const INT32_MAX = 2_147_483_647;
const INT64_MAX = 9_223_372_036_854_775_807n;
const LAST_SECOND_OF_9999 = 253_402_300_799;

/** Unix seconds; TCCC sends 0 for an event that did not happen (AcceptTimestamp 0 = never answered). */
const unixSeconds = integer(0, LAST_SECOND_OF_9999).transform((seconds) => (seconds ? new Date(seconds * 1000) : undefined));

function parseBigId(value: unknown): bigint | undefined {
  const digits = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : typeof value === "string" ? value.trim() : "";
  return /^\d{1,19}$/.test(digits) && BigInt(digits) <= INT64_MAX ? BigInt(digits) : undefined;
}

/** Identifiers that may exceed 2^53 arrive as numbers or strings and are kept exactly as bigint. */
const optionalBigId = (field: string) =>
  z.unknown().optional().transform((value, ctx): bigint | undefined => {
    if (isAbsent(value)) return undefined;
    const id = parseBigId(value);
    if (id === undefined) ctx.addIssue({ code: "custom", message: `${field} must be a non-negative 64-bit integer` });
    return id;
  });

const requiredBigId = (field: string) =>
  z.unknown().optional().transform((value, ctx): bigint => {
    const id = isAbsent(value) ? undefined : parseBigId(value);
    if (id !== undefined) return id;
    ctx.addIssue({ code: "custom", message: isAbsent(value) ? `${field} is required` : `${field} must be a non-negative 64-bit integer` });
    return z.NEVER;
  });

/** Free-form JSON we keep as it came (IVR key lists); null means absent. */
const jsonValue = z.unknown().optional().transform((value) => (value === null || value === undefined ? undefined : value));

const seatUserSchema = z.object({
  Mail: text,
  Name: text,
  Nick: text,
  Phone: text,
  UserId: text,
  StaffNumber: text,
});

const telLocationSchema = z.object({
  Country: text,
  Province: text,
  City: text,
  Operator: text,
});

const objectOrAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (isAbsent(value) ? undefined : value), schema.optional());
const listOrAbsent = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((value) => (isAbsent(value) ? [] : value), z.array(item).max(max));

export const serveParticipantSchema = z.object({
  Mail: text,
  Phone: text,
  Type: text,
  Sequence: integer(0, INT32_MAX),
  StartTimestamp: unixSeconds,
  RingTimestamp: unixSeconds,
  AcceptTimestamp: unixSeconds,
  EndedTimestamp: unixSeconds,
  RecordId: text,
  RecordURL: text,
  CustomRecordURL: text,
  TransferFrom: text,
  TransferFromType: text,
  TransferTo: text,
  TransferToType: text,
  SkillGroupId: optionalBigId("SkillGroupId"),
  SkillGroupName: text,
  SkillGroupPriority: integer(-INT32_MAX, INT32_MAX),
  EndStatusString: text,
});

const MAX_PARTICIPANTS = 1000;

/** A CDR push; also the shape of DescribeTelCdr's TelCdrInfo, whose extra fields are optional here. */
export const cdrSchema = z
  .object({
    SdkAppId: requiredBigId("SdkAppId"),
    SessionId: requiredText("SessionId").pipe(z.string().min(1, "SessionId is required")),
    Caller: text,
    Callee: text,
    Direction: integer(0, 32_767),
    Duration: integer(0, INT32_MAX),
    IVRDuration: integer(0, INT32_MAX),
    SeatUser: objectOrAbsent(seatUserSchema),
    CallerLocation: text,
    StartTimestamp: unixSeconds,
    RingTimestamp: unixSeconds,
    AcceptTimestamp: unixSeconds,
    EndedTimestamp: unixSeconds,
    QueuedTimestamp: unixSeconds,
    IVRKeyPressed: jsonValue,
    IVRKeyPressedEx: jsonValue,
    PostIVRKeyPressed: jsonValue,
    HungUpSide: text,
    EndStatusString: text,
    QueuedSkillGroupId: optionalBigId("QueuedSkillGroupId"),
    QueuedSkillGroupName: text,
    RecordId: text,
    UserRemark: text,
    Uui: text,
    TelLocation: objectOrAbsent(telLocationSchema),
    ServeParticipants: listOrAbsent(serveParticipantSchema, MAX_PARTICIPANTS),
    // DescribeTelCdr only
    Time: unixSeconds,
    EndStatus: integer(-INT32_MAX, INT32_MAX),
    RecordURL: text,
    CustomRecordURL: text,
    VoicemailRecordURL: listOrAbsent(z.string(), MAX_PARTICIPANTS),
    AsrUrl: text,
    ProtectedCaller: text,
    ProtectedCallee: text,
    Remark: text,
    UUI: text,
  })
  .superRefine((cdr, ctx) => {
    const seen = new Set<number>();
    cdr.ServeParticipants.forEach((participant, index) => {
      const sequence = participant.Sequence ?? index;
      if (seen.has(sequence)) {
        ctx.addIssue({ code: "custom", path: ["ServeParticipants", index, "Sequence"], message: `duplicate Sequence ${sequence}` });
      }
      seen.add(sequence);
    });
  });

export const recordPushSchema = z.object({
  SdkAppId: requiredBigId("SdkAppId"),
  SessionId: requiredText("SessionId").pipe(z.string().min(1, "SessionId is required")),
  RecordId: requiredText("RecordId").pipe(z.string().min(1, "RecordId is required")),
  Timestamp: unixSeconds,
  EndpointUser: text,
  RecordURL: text,
  CustomRecordURL: text,
});

export const voicemailPushSchema = z.object({
  SdkAppId: requiredBigId("SdkAppId"),
  SessionId: requiredText("SessionId").pipe(z.string().min(1, "SessionId is required")),
  Timestamp: unixSeconds,
  EndpointUser: text,
  RecordURL: requiredText("RecordURL").pipe(z.string().min(1, "RecordURL is required")),
});

export type Cdr = z.output<typeof cdrSchema>;
export type RecordPush = z.output<typeof recordPushSchema>;
export type VoicemailPush = z.output<typeof voicemailPushSchema>;

export const PUSH_ACTIONS = ["cdr", "record", "voicemail"] as const;
export type PushAction = (typeof PUSH_ACTIONS)[number];

/** Readable, one line: `SessionId: SessionId is required; ServeParticipants.0.Sequence: ...` */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
}
