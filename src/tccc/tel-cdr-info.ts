import type { SeatUserInfo, ServeParticipant, TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import { z } from "zod";
import { INT16_MAX, INT32_MAX, MAX_LIST_ENTRIES, httpUrl, integer, keyPressList, listOfPresent, listOrAbsent, objectOrAbsent, optionalBigId, text, unixSeconds } from "./fields";
import { refineUniqueSequences, sharedCdrShape, sharedParticipantShape, sharedSeatUserShape } from "./payloads";

/**
 * A record of DescribeTelCdr (ccc 2020-02-10): the SDK's `TelCdrInfo`, `SeatUserInfo` and `ServeParticipant`, field
 * for field. It is not the push CDR: it has no SdkAppId (a record belongs to the application the request named), no
 * TelLocation, no UserRemark and no SkillGroupPriority, and it has fields a push never carries (recording and ASR
 * URLs, CallType, the survey, AI agent, system hang-up reason...). Lenient about absent values like the push schemas.
 */

const seatUserInfoShape = {
  ...sharedSeatUserShape,
  Role: integer(-INT32_MAX, INT32_MAX),
  ExtensionNumber: text,
};

const serveParticipantShape = {
  ...sharedParticipantShape,
  RecordURL: httpUrl,
  CustomRecordURL: httpUrl,
};

const telCdrInfoShape = {
  ...sharedCdrShape,
  SeatUser: objectOrAbsent(z.object(seatUserInfoShape)),
  ServeParticipants: listOrAbsent(z.object(serveParticipantShape), MAX_LIST_ENTRIES),
  Time: unixSeconds,
  CallType: integer(0, INT16_MAX),
  EndStatus: integer(-INT32_MAX, INT32_MAX),
  SkillGroup: text,
  SkillGroupId: optionalBigId("SkillGroupId"),
  RecordURL: httpUrl,
  CustomRecordURL: httpUrl,
  PostIVRKeyPressedEx: keyPressList,
  ProtectedCaller: text,
  ProtectedCallee: text,
  UUI: text,
  AsrUrl: httpUrl,
  AsrStatus: text,
  Remark: text,
  VoicemailRecordURL: listOfPresent(httpUrl, MAX_LIST_ENTRIES),
  VoicemailAsrURL: listOfPresent(httpUrl, MAX_LIST_ENTRIES),
  AIAgentId: optionalBigId("AIAgentId"),
  AIAgentName: text,
  SysHangupReason: integer(-INT32_MAX, INT32_MAX),
  SysHangupReasonString: text,
};

/**
 * Compile-time proof that the schema and the SDK name the same fields: a field the SDK adds in an upgrade, or one
 * the schema has that the SDK does not, fails the type check until it is parsed (and mapped, or documented as not).
 */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : { onlyInSchema: Exclude<keyof A, keyof B>; onlyInSdk: Exclude<keyof B, keyof A> };
type Holds<Check extends true> = Check;
export type SchemaNamesEveryField = [
  Holds<SameKeys<typeof telCdrInfoShape, TelCdrInfo>>,
  Holds<SameKeys<typeof seatUserInfoShape, SeatUserInfo>>,
  Holds<SameKeys<typeof serveParticipantShape, ServeParticipant>>,
];

/** One TelCdrInfo. SessionId is required: without it the record cannot be filed under any call. */
export const telCdrInfoSchema = z.object(telCdrInfoShape).superRefine(refineUniqueSequences);

export type TelCdrRecord = z.output<typeof telCdrInfoSchema>;
