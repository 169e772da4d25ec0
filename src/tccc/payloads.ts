import { z } from "zod";
import {
  INT16_MAX,
  INT32_MAX,
  MAX_LIST_ENTRIES,
  httpUrl,
  integer,
  keyPressList,
  listOfPresent,
  listOrAbsent,
  objectOrAbsent,
  optionalBigId,
  requiredSdkAppId,
  requiredText,
  sessionIdField,
  text,
  unixSeconds,
} from "./fields";

/**
 * What TCCC pushes (cdr, record, voicemail), as the developer guide's "Data Push" section describes it, and the CDR
 * fields that the push and DescribeTelCdr's TelCdrInfo share (src/tccc/tel-cdr-info.ts builds the API's own schema on
 * the same fields). Unknown fields are dropped here; the raw body in push_inbox keeps them.
 */

/** SeatUser fields both the push and the API's SeatUserInfo carry. */
export const sharedSeatUserShape = {
  Mail: text,
  Name: text,
  Nick: text,
  Phone: text,
  UserId: text,
  StaffNumber: text,
  SkillGroupNameList: listOfPresent(text, MAX_LIST_ENTRIES),
};

/** ServeParticipants fields both the push and the API's ServeParticipant carry. */
export const sharedParticipantShape = {
  Mail: text,
  Phone: text,
  Type: text,
  Sequence: integer(0, INT32_MAX),
  StartTimestamp: unixSeconds,
  RingTimestamp: unixSeconds,
  AcceptTimestamp: unixSeconds,
  EndedTimestamp: unixSeconds,
  RecordId: text,
  TransferFrom: text,
  TransferFromType: text,
  TransferTo: text,
  TransferToType: text,
  SkillGroupId: optionalBigId("SkillGroupId"),
  SkillGroupName: text,
  EndStatusString: text,
};

/** Root CDR fields both the push and the API's TelCdrInfo carry (ServeParticipants and SeatUser come per source). */
export const sharedCdrShape = {
  SessionId: sessionIdField,
  Caller: text,
  Callee: text,
  Direction: integer(0, INT16_MAX),
  Duration: integer(0, INT32_MAX),
  IVRDuration: integer(0, INT32_MAX),
  CallerLocation: text,
  StartTimestamp: unixSeconds,
  RingTimestamp: unixSeconds,
  AcceptTimestamp: unixSeconds,
  EndedTimestamp: unixSeconds,
  QueuedTimestamp: unixSeconds,
  IVRKeyPressed: keyPressList,
  IVRKeyPressedEx: keyPressList,
  PostIVRKeyPressed: keyPressList,
  HungUpSide: text,
  EndStatusString: text,
  QueuedSkillGroupId: optionalBigId("QueuedSkillGroupId"),
  QueuedSkillGroupName: text,
  RecordId: text,
  Uui: text,
};

/** What sharedCdrShape parses, with the agent and the participants reduced to their shared fields. */
export type SharedCdr = z.output<z.ZodObject<typeof sharedCdrShape>> & {
  SeatUser?: z.output<z.ZodObject<typeof sharedSeatUserShape>>;
  ServeParticipants: z.output<z.ZodObject<typeof sharedParticipantShape>>[];
};

/** Two legs of one call may not claim the same Sequence: they would be one row. */
export function refineUniqueSequences(cdr: { ServeParticipants: { Sequence?: number }[] }, ctx: z.RefinementCtx): void {
  const seen = new Set<number>();
  cdr.ServeParticipants.forEach((participant, index) => {
    const sequence = participant.Sequence ?? index;
    if (seen.has(sequence)) ctx.addIssue({ code: "custom", path: ["ServeParticipants", index, "Sequence"], message: `duplicate Sequence ${sequence}` });
    seen.add(sequence);
  });
}

const pushedParticipantSchema = z.object({ ...sharedParticipantShape, SkillGroupPriority: integer(-INT32_MAX, INT32_MAX) });

const telLocationSchema = z.object({
  TelNumber: text,
  Country: text,
  Province: text,
  City: text,
  Operator: text,
});

/** A CDR push (`action=cdr`). */
export const cdrPushSchema = z
  .object({
    ...sharedCdrShape,
    SdkAppId: requiredSdkAppId,
    SeatUser: objectOrAbsent(z.object(sharedSeatUserShape)),
    ServeParticipants: listOrAbsent(pushedParticipantSchema, MAX_LIST_ENTRIES),
    UserRemark: text,
    TelLocation: objectOrAbsent(telLocationSchema),
  })
  .superRefine(refineUniqueSequences);

export const recordPushSchema = z.object({
  SdkAppId: requiredSdkAppId,
  SessionId: sessionIdField,
  RecordId: requiredText("RecordId").pipe(z.string().min(1, "RecordId is required")),
  Timestamp: unixSeconds,
  EndpointUser: text,
  RecordURL: httpUrl,
  CustomRecordURL: httpUrl,
});

export const voicemailPushSchema = z.object({
  SdkAppId: requiredSdkAppId,
  SessionId: sessionIdField,
  Timestamp: unixSeconds,
  EndpointUser: text,
  RecordURL: httpUrl.pipe(z.string({ error: "RecordURL is required" })),
});

export type CdrPush = z.output<typeof cdrPushSchema>;
export type RecordPush = z.output<typeof recordPushSchema>;
export type VoicemailPush = z.output<typeof voicemailPushSchema>;

export const PUSH_ACTIONS = ["cdr", "record", "voicemail"] as const;
export type PushAction = (typeof PUSH_ACTIONS)[number];
