import { createHash } from "node:crypto";
import type { Cdr, RecordPush, VoicemailPush } from "../tccc/payloads";

/**
 * The one place where vendor payloads become rows. Every field is optional except the keys: an absent value means
 * "unknown", and the repository never lets an unknown value erase a known one.
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
  ivrKeyPressed?: unknown;
  postIvrKeyPressed?: unknown;
  asrUrl?: string;
  protectedCaller?: string;
  protectedCallee?: string;
  remark?: string;
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
 * A voicemail has no RecordId; its URL identifies it. Signed URLs differ in their query string between deliveries,
 * so only scheme, host and path count.
 */
export function voicemailTrackKey(recordUrl: string): string {
  let stable = recordUrl;
  try {
    const url = new URL(recordUrl);
    stable = `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    // not a URL: the whole string is the best identity we have
  }
  return `vm-${createHash("sha256").update(stable).digest("hex").slice(0, 32)}`;
}

export function cdrToCallRecords(cdr: Cdr): CallRecords {
  const { SdkAppId: sdkAppId, SessionId: sessionId } = cdr;
  const session: SessionRow = {
    sdkAppId: sdkAppId,
    sessionId,
    direction: cdr.Direction,
    caller: cdr.Caller,
    callee: cdr.Callee,
    durationSec: cdr.Duration,
    ivrDurationSec: cdr.IVRDuration,
    startAt: cdr.StartTimestamp ?? cdr.Time,
    ringAt: cdr.RingTimestamp,
    acceptAt: cdr.AcceptTimestamp,
    endedAt: cdr.EndedTimestamp,
    queuedAt: cdr.QueuedTimestamp,
    endStatus: cdr.EndStatusString,
    endStatusCode: cdr.EndStatus,
    hungUpSide: cdr.HungUpSide,
    queuedSkillGroupId: cdr.QueuedSkillGroupId,
    queuedSkillGroupName: cdr.QueuedSkillGroupName,
    seatUserId: cdr.SeatUser?.UserId,
    seatUserName: cdr.SeatUser?.Name,
    seatUserMail: cdr.SeatUser?.Mail,
    seatStaffNumber: cdr.SeatUser?.StaffNumber,
    recordId: cdr.RecordId,
    uui: cdr.Uui ?? cdr.UUI,
    userRemark: cdr.UserRemark,
    callerLocation: cdr.CallerLocation,
    telCountry: cdr.TelLocation?.Country,
    telProvince: cdr.TelLocation?.Province,
    telCity: cdr.TelLocation?.City,
    telOperator: cdr.TelLocation?.Operator,
    ivrKeyPressed: cdr.IVRKeyPressedEx ?? cdr.IVRKeyPressed,
    postIvrKeyPressed: cdr.PostIVRKeyPressed,
    asrUrl: cdr.AsrUrl,
    protectedCaller: cdr.ProtectedCaller,
    protectedCallee: cdr.ProtectedCallee,
    remark: cdr.Remark,
  };

  const participants = cdr.ServeParticipants.map(
    (participant, index): ParticipantRow => ({
      sdkAppId: sdkAppId,
      sessionId,
      sequence: participant.Sequence ?? index,
      mail: participant.Mail,
      phone: participant.Phone,
      type: participant.Type,
      recordId: participant.RecordId,
      skillGroupId: participant.SkillGroupId,
      skillGroupName: participant.SkillGroupName,
      skillGroupPriority: participant.SkillGroupPriority,
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

  // Only DescribeTelCdr lists recording URLs inside a CDR; a pushed CDR yields no tracks here.
  const customerEndpoint = cdr.Direction === 1 ? cdr.Callee : cdr.Caller;
  const callTracks: RecordingRow[] = [];
  if (cdr.RecordId && cdr.RecordURL) {
    callTracks.push({
      sdkAppId: sdkAppId,
      sessionId,
      kind: "call",
      trackKey: cdr.RecordId,
      recordId: cdr.RecordId,
      endpointUser: customerEndpoint,
      recordUrl: cdr.RecordURL,
      customRecordUrl: cdr.CustomRecordURL,
      recordedAt: session.startAt,
    });
  }
  for (const participant of cdr.ServeParticipants) {
    if (!participant.RecordId || !participant.RecordURL) continue;
    callTracks.push({
      sdkAppId: sdkAppId,
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
  const voicemails = cdr.VoicemailRecordURL.filter((url) => url !== "").map(
    (url): RecordingRow => ({
      sdkAppId: sdkAppId,
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
