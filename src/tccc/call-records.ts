import { createHash } from "node:crypto";
import type { KeyPressList } from "../tccc/fields";
import type { CdrPush, RecordPush, SharedCdr, VoicemailPush } from "../tccc/payloads";
import type { TelCdrRecord } from "../tccc/tel-cdr-info";

/**
 * The one place where vendor payloads (pushes and DescribeTelCdr records) become rows. Every field is optional except
 * the keys: an absent value means "unknown", and the repository never lets an unknown value erase a known one. Which
 * source wins where both know a value is the repository's rule (call-records-repository.ts), not the mapping's.
 */
export interface SessionRow {
  sdkAppId: bigint;
  sessionId: string;
  direction?: number;
  caller?: string;
  callee?: string;
  durationSec?: number;
  ivrDurationSec?: number;
  startAt?: Date;
  ringAt?: Date;
  acceptAt?: Date;
  endedAt?: Date;
  queuedAt?: Date;
  endStatus?: string;
  endStatusCode?: number;
  hungUpSide?: string;
  queuedSkillGroupId?: bigint;
  queuedSkillGroupName?: string;
  seatUserId?: string;
  seatUserName?: string;
  seatUserMail?: string;
  seatStaffNumber?: string;
  recordId?: string;
  uui?: string;
  userRemark?: string;
  callerLocation?: string;
  telCountry?: string;
  telProvince?: string;
  telCity?: string;
  telOperator?: string;
  ivrKeyPressed?: KeyPressList;
  postIvrKeyPressed?: KeyPressList;
  surveyKeys?: string[];
  surveyLabels?: string[];
  seatUserNick?: string;
  seatUserPhone?: string;
  seatSkillGroupNames?: string[];
  // DescribeTelCdr only
  initiatedAt?: Date;
  callType?: number;
  skillGroup?: string;
  skillGroupId?: bigint;
  seatUserRole?: number;
  seatExtensionNumber?: string;
  asrUrl?: string;
  asrStatus?: string;
  protectedCaller?: string;
  protectedCallee?: string;
  remark?: string;
  voicemailAsrUrls?: string[];
  aiAgentId?: bigint;
  aiAgentName?: string;
  sysHangupReason?: number;
  sysHangupReasonString?: string;
}

export interface ParticipantRow {
  sdkAppId: bigint;
  sessionId: string;
  sequence: number;
  mail?: string;
  phone?: string;
  type?: string;
  recordId?: string;
  skillGroupId?: bigint;
  skillGroupName?: string;
  skillGroupPriority?: number;
  transferFrom?: string;
  transferFromType?: string;
  transferTo?: string;
  transferToType?: string;
  endStatus?: string;
  startAt?: Date;
  ringAt?: Date;
  acceptAt?: Date;
  endedAt?: Date;
}

export type RecordingKind = "call" | "voicemail";

export interface RecordingRow {
  sdkAppId: bigint;
  sessionId: string;
  kind: RecordingKind;
  trackKey: string;
  recordId?: string;
  endpointUser?: string;
  recordUrl?: string;
  customRecordUrl?: string;
  recordedAt?: Date;
}

export interface CallRecords {
  session?: SessionRow;
  participants: ParticipantRow[];
  recordings: RecordingRow[];
}

/**
 * A voicemail has no RecordId; its URL (an http(s) URL: the schemas check) identifies it. Signed URLs differ in their
 * query string between deliveries, so only scheme, host and path count.
 */
export function voicemailTrackKey(recordUrl: string): string {
  const url = new URL(recordUrl);
  return `vm-${createHash("sha256").update(`${url.protocol}//${url.host}${url.pathname}`).digest("hex").slice(0, 32)}`;
}

/**
 * Keys (or labels) of a key-press list in order: the `Key` of each `{Key, Label}` entry, or the entry itself when it
 * is a string; whatever else the list holds has none.
 */
function keysOf(list: KeyPressList | undefined, field: "Key" | "Label"): string[] | undefined {
  const values = (Array.isArray(list) ? list : []).flatMap((entry: unknown) => {
    const value = entry !== null && typeof entry === "object" && !Array.isArray(entry) ? (entry as Record<string, unknown>)[field] : field === "Key" ? entry : undefined;
    return (typeof value === "string" && value !== "") || typeof value === "number" ? [String(value)] : [];
  });
  return values.length > 0 ? values : undefined;
}

const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);

/** What both a pushed CDR and an API record say about a call, in the same columns. */
function sharedCdrToCallRecords(sdkAppId: bigint, cdr: SharedCdr): { session: SessionRow; participants: ParticipantRow[] } {
  const { SessionId: sessionId } = cdr;
  const session: SessionRow = {
    sdkAppId,
    sessionId,
    direction: cdr.Direction,
    caller: cdr.Caller,
    callee: cdr.Callee,
    durationSec: cdr.Duration,
    ivrDurationSec: cdr.IVRDuration,
    startAt: cdr.StartTimestamp,
    ringAt: cdr.RingTimestamp,
    acceptAt: cdr.AcceptTimestamp,
    endedAt: cdr.EndedTimestamp,
    queuedAt: cdr.QueuedTimestamp,
    endStatus: cdr.EndStatusString,
    hungUpSide: cdr.HungUpSide,
    queuedSkillGroupId: cdr.QueuedSkillGroupId,
    queuedSkillGroupName: cdr.QueuedSkillGroupName,
    seatUserId: cdr.SeatUser?.UserId,
    seatUserName: cdr.SeatUser?.Name,
    seatUserMail: cdr.SeatUser?.Mail,
    seatStaffNumber: cdr.SeatUser?.StaffNumber,
    seatUserNick: cdr.SeatUser?.Nick,
    seatUserPhone: cdr.SeatUser?.Phone,
    seatSkillGroupNames: nonEmpty(cdr.SeatUser?.SkillGroupNameList ?? []),
    recordId: cdr.RecordId,
    uui: cdr.Uui,
    callerLocation: cdr.CallerLocation,
    ivrKeyPressed: cdr.IVRKeyPressedEx ?? cdr.IVRKeyPressed,
  };
  addSurvey(session, cdr.PostIVRKeyPressed);
  const participants = cdr.ServeParticipants.map(
    (participant, index): ParticipantRow => ({
      sdkAppId,
      sessionId,
      sequence: participant.Sequence ?? index,
      mail: participant.Mail,
      phone: participant.Phone,
      type: participant.Type,
      recordId: participant.RecordId,
      skillGroupId: participant.SkillGroupId,
      skillGroupName: participant.SkillGroupName,
      transferFrom: participant.TransferFrom,
      transferFromType: participant.TransferFromType,
      transferTo: participant.TransferTo,
      transferToType: participant.TransferToType,
      endStatus: participant.EndStatusString,
      startAt: participant.StartTimestamp,
      ringAt: participant.RingTimestamp,
      acceptAt: participant.AcceptTimestamp,
      endedAt: participant.EndedTimestamp,
    }),
  );
  return { session, participants };
}

/** The after-call survey: the whole list as sent, and its keys and labels as text arrays analysts can filter on. */
function addSurvey(session: SessionRow, list: KeyPressList | undefined): void {
  Object.assign(session, { postIvrKeyPressed: list, surveyKeys: keysOf(list, "Key"), surveyLabels: keysOf(list, "Label") });
}

/*
 * Rows are extended with Object.assign, not rebuilt with `{ ...row, more }`: V8 builds a spread of a wide object
 * followed by more fields on a slow path, ~100 µs per session row, which showed as a fifth of a reconciliation's CPU.
 */

/** A pushed CDR: the shared fields, and what only the push has (UserRemark, TelLocation, SkillGroupPriority). */
export function cdrPushToCallRecords(push: CdrPush): CallRecords {
  const { session, participants } = sharedCdrToCallRecords(push.SdkAppId, push);
  Object.assign(session, {
    userRemark: push.UserRemark,
    telCountry: push.TelLocation?.Country,
    telProvince: push.TelLocation?.Province,
    telCity: push.TelLocation?.City,
    telOperator: push.TelLocation?.Operator,
  });
  participants.forEach((row, index) => Object.assign(row, { skillGroupPriority: push.ServeParticipants[index]?.SkillGroupPriority }));
  return {
    session,
    participants,
    // a pushed CDR names its tracks but carries no URL: the `record` pushes bring them
    recordings: [],
  };
}

/**
 * A DescribeTelCdr record of the application `sdkAppId` (the request's: the record names none): the shared fields,
 * what only the API has, and every track it lists (customer side, each leg, each voicemail) with its URL.
 */
export function telCdrToCallRecords(sdkAppId: bigint, record: TelCdrRecord): CallRecords {
  const { session, participants } = sharedCdrToCallRecords(sdkAppId, record);
  addSurvey(session, record.PostIVRKeyPressedEx ?? record.PostIVRKeyPressed);
  Object.assign(session, {
    startAt: record.StartTimestamp ?? record.Time,
    initiatedAt: record.Time,
    callType: record.CallType,
    endStatusCode: record.EndStatus,
    skillGroup: record.SkillGroup,
    skillGroupId: record.SkillGroupId,
    uui: record.Uui ?? record.UUI,
    seatUserRole: record.SeatUser?.Role,
    seatExtensionNumber: record.SeatUser?.ExtensionNumber,
    asrUrl: record.AsrUrl,
    asrStatus: record.AsrStatus,
    protectedCaller: record.ProtectedCaller,
    protectedCallee: record.ProtectedCallee,
    remark: record.Remark,
    voicemailAsrUrls: nonEmpty(record.VoicemailAsrURL),
    aiAgentId: record.AIAgentId,
    aiAgentName: record.AIAgentName,
    sysHangupReason: record.SysHangupReason,
    sysHangupReasonString: record.SysHangupReasonString,
  } satisfies Partial<SessionRow>);
  const sessionId = record.SessionId;
  // the customer's number, or its protected stand-in when number protection empties Caller/Callee
  const customerEndpoint = record.Direction === 1 ? (record.Callee ?? record.ProtectedCallee) : (record.Caller ?? record.ProtectedCaller);
  const callTracks: RecordingRow[] = [];
  if (record.RecordId && record.RecordURL) {
    callTracks.push({
      sdkAppId,
      sessionId,
      kind: "call",
      trackKey: record.RecordId,
      recordId: record.RecordId,
      endpointUser: customerEndpoint,
      recordUrl: record.RecordURL,
      customRecordUrl: record.CustomRecordURL,
      recordedAt: session.startAt,
    });
  }
  for (const participant of record.ServeParticipants) {
    if (!participant.RecordId || !participant.RecordURL) continue;
    callTracks.push({
      sdkAppId,
      sessionId,
      kind: "call",
      trackKey: participant.RecordId,
      recordId: participant.RecordId,
      endpointUser: participant.Mail ?? participant.Phone,
      recordUrl: participant.RecordURL,
      customRecordUrl: participant.CustomRecordURL,
      recordedAt: participant.StartTimestamp ?? session.startAt,
    });
  }
  const voicemails = record.VoicemailRecordURL.map(
    (url): RecordingRow => ({
      sdkAppId,
      sessionId,
      kind: "voicemail",
      trackKey: voicemailTrackKey(url),
      endpointUser: customerEndpoint,
      recordUrl: url,
      recordedAt: session.startAt,
    }),
  );
  return { session, participants, recordings: uniqueByTrack([...callTracks, ...voicemails]) };
}

export function recordPushToCallRecords(push: RecordPush): CallRecords {
  return {
    participants: [],
    recordings: [
      {
        sdkAppId: push.SdkAppId,
        sessionId: push.SessionId,
        kind: "call",
        trackKey: push.RecordId,
        recordId: push.RecordId,
        endpointUser: push.EndpointUser,
        recordUrl: push.RecordURL,
        customRecordUrl: push.CustomRecordURL,
        recordedAt: push.Timestamp,
      },
    ],
  };
}

export function voicemailPushToCallRecords(push: VoicemailPush): CallRecords {
  return {
    participants: [],
    recordings: [
      {
        sdkAppId: push.SdkAppId,
        sessionId: push.SessionId,
        kind: "voicemail",
        trackKey: voicemailTrackKey(push.RecordURL),
        endpointUser: push.EndpointUser,
        recordUrl: push.RecordURL,
        recordedAt: push.Timestamp,
      },
    ],
  };
}

/** One statement cannot upsert the same row twice, so a track listed twice in one CDR is merged first. */
function uniqueByTrack(recordings: RecordingRow[]): RecordingRow[] {
  const byKey = new Map<string, RecordingRow>();
  for (const recording of recordings) {
    const key = `${recording.kind}/${recording.trackKey}`;
    const known = byKey.get(key);
    byKey.set(key, known ? { ...recording, ...definedFields(known) } : recording);
  }
  return [...byKey.values()];
}

function definedFields<T extends object>(row: T): Partial<T> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)) as Partial<T>;
}
