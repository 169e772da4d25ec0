import type { SeatUserInfo, ServeParticipant, TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import type { AsSent } from "./fake-tccc-api";

/**
 * DescribeTelCdr records (TelCdrInfo) for the fake TCCC API, built from the SDK's own types (every literal is checked
 * with `satisfies`, so a field the SDK does not have fails the type check) and never from a push sample. Values follow
 * the vendor's documentation: the field comments of tencentcloud-sdk-nodejs' ccc_models.d.ts (EndStatus /
 * EndStatusString pairs, CallType, AsrStatus, HungUpSide, SeatUserInfo.Role and ExtensionNumber, "Key noInput" of the
 * survey, recording links that carry a signature and an expiry) and the developer guide (/work/shared/seeds: numbers
 * with a 0086 prefix, participant types, skill groups). Where the vendor documents no values (AIAgentId,
 * SysHangupReason), the ones below are illustrative.
 */

export interface SampleOptions {
  /**
   * Scheme and host of the recording and transcript links. The vendor's are signed links to a COS bucket; mirror
   * tests point them at a local recording host, the benchmark at loopback so that nothing can reach off the machine.
   */
  mediaOrigin?: string;
}

const VENDOR_MEDIA_ORIGIN = "https://ccc-records-1250000000.cos.ap-shanghai.myqcloud.com";

/** Where a customer that saves recordings to its own COS bucket has them (CustomRecordURL). */
const CUSTOMER_BUCKET_ORIGIN = "https://callcenter-archive-1250000000.cos.ap-guangzhou.myqcloud.com";
const customerBucketUrl = (path: string, options: SampleOptions) => `${options.mediaOrigin ?? CUSTOMER_BUCKET_ORIGIN}/ccc/${path}`;

/** A signed COS link, as DescribeTelCdr lists them ("with authentication and a validity period"). */
export function mediaUrl(path: string, signedAtSec: number, options: SampleOptions = {}): string {
  const signTime = `${signedAtSec};${signedAtSec + 86_400}`;
  return `${options.mediaOrigin ?? VENDOR_MEDIA_ORIGIN}/${path}?q-sign-algorithm=sha1&q-ak=AKIDccc0example&q-sign-time=${signTime}&q-key-time=${signTime}&q-signature=0f7c2a`;
}

const agentZhao = {
  Name: "Zhao Min",
  Mail: "zhaomin@example.com",
  StaffNumber: "1024",
  Phone: "008613800138000",
  Nick: "Min",
  UserId: "zhaomin@example.com",
  SkillGroupNameList: ["After-sales Support", "Billing"],
  Role: 3,
  ExtensionNumber: "8001",
} satisfies SeatUserInfo;

const agentQian = {
  Name: "Qian Lei",
  Mail: "qianlei@example.com",
  StaffNumber: "2048",
  Phone: "",
  Nick: "Lei",
  UserId: "qianlei@example.com",
  SkillGroupNameList: ["Billing"],
  Role: 3,
  ExtensionNumber: "8002",
} satisfies SeatUserInfo;

const SUPPORT = { id: 3001, name: "After-sales Support" };
const BILLING = { id: 3002, name: "Billing" };

/** An inbound call answered by one agent: IVR, queue, the customer's and the agent's tracks, survey, transcript. */
export function answeredInboundCall(sessionId: string, startSec: number, options: SampleOptions = {}) {
  const [queued, accepted, ended] = [startSec + 12, startSec + 25, startSec + 145];
  const leg = {
    Mail: agentZhao.Mail,
    Phone: "",
    StartTimestamp: queued,
    RingTimestamp: queued + 3,
    AcceptTimestamp: accepted,
    EndedTimestamp: ended,
    RecordId: `${sessionId}-agent`,
    RecordURL: mediaUrl(`${sessionId}/agent.mp3`, ended, options),
    CustomRecordURL: "",
    Type: "staffSeat",
    TransferFrom: "",
    TransferFromType: "",
    TransferTo: "",
    TransferToType: "",
    SkillGroupId: SUPPORT.id,
    SkillGroupName: SUPPORT.name,
    EndStatusString: "ok",
    Sequence: 0,
  } satisfies ServeParticipant;
  return {
    SessionId: sessionId,
    Caller: "008613912345678",
    Callee: "008640088881234",
    Time: startSec,
    Direction: 0,
    CallType: 2,
    Duration: ended - accepted,
    RecordURL: mediaUrl(`${sessionId}/customer.mp3`, ended, options),
    CustomRecordURL: "",
    RecordId: `${sessionId}-customer`,
    SeatUser: agentZhao,
    EndStatus: 1,
    EndStatusString: "ok",
    SkillGroup: SUPPORT.name,
    SkillGroupId: SUPPORT.id,
    CallerLocation: "Guangdong Shenzhen",
    IVRDuration: queued - startSec,
    StartTimestamp: startSec,
    QueuedTimestamp: queued,
    RingTimestamp: queued + 3,
    AcceptTimestamp: accepted,
    EndedTimestamp: ended,
    IVRKeyPressed: ["2"],
    IVRKeyPressedEx: [{ Key: "2", Label: "After-sales", Timestamp: (startSec + 8) * 1000, NodeLabel: "Main menu" }],
    HungUpSide: "user",
    ServeParticipants: [leg],
    QueuedSkillGroupId: SUPPORT.id,
    QueuedSkillGroupName: SUPPORT.name,
    PostIVRKeyPressed: [{ Key: "1", Label: "Very satisfied" }],
    PostIVRKeyPressedEx: [{ Key: "1", Label: "Very satisfied", Timestamp: (ended + 6) * 1000, NodeLabel: "Satisfaction survey" }],
    ProtectedCaller: "",
    ProtectedCallee: "",
    UUI: "",
    AsrUrl: mediaUrl(`${sessionId}/asr.json`, ended, options),
    AsrStatus: "Complete",
    Remark: "",
    VoicemailRecordURL: [],
    VoicemailAsrURL: [],
  } satisfies TelCdrInfo;
}

/**
 * An inbound call the first agent transferred to a second: two legs, three tracks, of which the customer's and the
 * second agent's are also in the customer's own bucket; the transcript still being made.
 */
export function transferredInboundCall(sessionId: string, startSec: number, options: SampleOptions = {}) {
  const [queued, firstAccepted, transferred, ended] = [startSec + 9, startSec + 15, startSec + 75, startSec + 200];
  const firstLeg = {
    Mail: agentZhao.Mail,
    Phone: "",
    StartTimestamp: queued,
    RingTimestamp: queued + 2,
    AcceptTimestamp: firstAccepted,
    EndedTimestamp: transferred,
    RecordId: `${sessionId}-agent-0`,
    RecordURL: mediaUrl(`${sessionId}/agent-0.mp3`, ended, options),
    Type: "staffSeat",
    TransferFrom: "",
    TransferFromType: "",
    TransferTo: agentQian.Mail,
    TransferToType: "staffPhoneSeat",
    SkillGroupId: SUPPORT.id,
    SkillGroupName: SUPPORT.name,
    EndStatusString: "ok",
    Sequence: 0,
  } satisfies ServeParticipant;
  const secondLeg = {
    Mail: agentQian.Mail,
    Phone: "008613700137000",
    StartTimestamp: transferred,
    RingTimestamp: transferred + 4,
    AcceptTimestamp: transferred + 9,
    EndedTimestamp: ended,
    RecordId: `${sessionId}-agent-1`,
    RecordURL: mediaUrl(`${sessionId}/agent-1.mp3`, ended, options),
    CustomRecordURL: customerBucketUrl(`${sessionId}/agent-1.mp3`, options),
    Type: "staffPhoneSeat",
    TransferFrom: agentZhao.Mail,
    TransferFromType: "staffSeat",
    TransferTo: "",
    TransferToType: "",
    SkillGroupId: BILLING.id,
    SkillGroupName: BILLING.name,
    EndStatusString: "ok",
    Sequence: 1,
  } satisfies ServeParticipant;
  return {
    SessionId: sessionId,
    Caller: "008613512345678",
    Callee: "008640088881234",
    Time: startSec,
    Direction: 0,
    CallType: 2,
    Duration: ended - firstAccepted,
    RecordURL: mediaUrl(`${sessionId}/customer.mp3`, ended, options),
    CustomRecordURL: customerBucketUrl(`${sessionId}/customer.mp3`, options),
    RecordId: `${sessionId}-customer`,
    SeatUser: agentQian,
    EndStatus: 1,
    EndStatusString: "ok",
    SkillGroup: BILLING.name,
    SkillGroupId: BILLING.id,
    CallerLocation: "Zhejiang Hangzhou",
    IVRDuration: queued - startSec,
    StartTimestamp: startSec,
    QueuedTimestamp: queued,
    RingTimestamp: queued + 2,
    AcceptTimestamp: firstAccepted,
    EndedTimestamp: ended,
    IVRKeyPressedEx: [{ Key: "3", Label: "Billing" }],
    HungUpSide: "seat",
    ServeParticipants: [firstLeg, secondLeg],
    QueuedSkillGroupId: SUPPORT.id,
    QueuedSkillGroupName: SUPPORT.name,
    PostIVRKeyPressedEx: [{ Key: "noInput", Label: "" }],
    AsrUrl: "",
    AsrStatus: "Processing",
  } satisfies TelCdrInfo;
}

/** An inbound call that ended in the IVR's voicemail (ivrEnd, no agent): one voicemail and its transcript. */
export function voicemailCall(sessionId: string, startSec: number, options: SampleOptions = {}) {
  const ended = startSec + 48;
  return {
    SessionId: sessionId,
    Caller: "008618612345678",
    Callee: "008640088881234",
    Time: startSec,
    Direction: 0,
    CallType: 2,
    Duration: 0,
    RecordURL: "",
    RecordId: "",
    EndStatus: 107,
    EndStatusString: "ivrEnd",
    CallerLocation: "Beijing",
    IVRDuration: ended - startSec,
    StartTimestamp: startSec,
    QueuedTimestamp: 0,
    RingTimestamp: 0,
    AcceptTimestamp: 0,
    EndedTimestamp: ended,
    IVRKeyPressedEx: [{ Key: "9", Label: "Leave a message" }],
    HungUpSide: "user",
    ServeParticipants: [],
    VoicemailRecordURL: [mediaUrl(`${sessionId}/voicemail-0.mp3`, ended, options)],
    VoicemailAsrURL: [mediaUrl(`${sessionId}/voicemail-0-asr.json`, ended, options)],
    AsrStatus: "NotExists",
  } satisfies TelCdrInfo;
}

/** An outbound call to a number that does not exist (numberNotExist): the agent's leg rang nobody, no track. */
export function unansweredOutboundCall(sessionId: string, startSec: number, _options: SampleOptions = {}) {
  const ended = startSec + 9;
  return {
    SessionId: sessionId,
    Caller: "008640088881234",
    Callee: "008617712345678",
    Time: startSec,
    Direction: 1,
    CallType: 1,
    Duration: 0,
    RecordURL: "",
    RecordId: `${sessionId}-customer`,
    SeatUser: agentQian,
    EndStatus: 205,
    EndStatusString: "numberNotExist",
    SkillGroup: BILLING.name,
    SkillGroupId: BILLING.id,
    CallerLocation: "",
    IVRDuration: 0,
    StartTimestamp: startSec,
    QueuedTimestamp: 0,
    RingTimestamp: startSec + 2,
    AcceptTimestamp: 0,
    EndedTimestamp: ended,
    HungUpSide: "system",
    ServeParticipants: [
      {
        Mail: agentQian.Mail,
        StartTimestamp: startSec,
        RingTimestamp: 0,
        AcceptTimestamp: 0,
        EndedTimestamp: ended,
        RecordId: `${sessionId}-agent`,
        RecordURL: "",
        Type: "staffSeat",
        SkillGroupId: BILLING.id,
        SkillGroupName: BILLING.name,
        EndStatusString: "numberNotExist",
        Sequence: 0,
      } satisfies ServeParticipant,
    ],
    QueuedSkillGroupId: BILLING.id,
    QueuedSkillGroupName: BILLING.name,
    UUI: "crm-order-10086",
    Uui: "crm-order-10086",
    Remark: "callback requested by the customer",
  } satisfies TelCdrInfo;
}

/** An outbound call placed by an AI agent under number protection (Callee emptied), ended by the system. */
export function aiAgentCall(sessionId: string, startSec: number, options: SampleOptions = {}) {
  const [accepted, ended] = [startSec + 7, startSec + 67];
  return {
    SessionId: sessionId,
    Caller: "008640088881234",
    Callee: "",
    ProtectedCallee: "pcallee-7f3a9c",
    Time: startSec,
    Direction: 1,
    CallType: 1,
    Duration: ended - accepted,
    RecordURL: mediaUrl(`${sessionId}/customer.mp3`, ended, options),
    RecordId: `${sessionId}-customer`,
    EndStatus: 1,
    EndStatusString: "ok",
    StartTimestamp: startSec,
    RingTimestamp: startSec + 2,
    AcceptTimestamp: accepted,
    EndedTimestamp: ended,
    HungUpSide: "system",
    ServeParticipants: [],
    UUI: "campaign-2026-12",
    AsrUrl: mediaUrl(`${sessionId}/asr.json`, ended, options),
    AsrStatus: "Complete",
    AIAgentId: 88001,
    AIAgentName: "Renewal reminder",
    SysHangupReason: 2,
    SysHangupReasonString: "AI agent ended the call",
  } satisfies TelCdrInfo;
}

/** Optional fields absent: only what identifies and places the call. */
export function sparseCall(sessionId: string, startSec: number) {
  return { SessionId: sessionId, Time: startSec, StartTimestamp: startSec, Caller: "008613612345678", Direction: 0 } satisfies TelCdrInfo;
}

/** Optional fields null, as the SDK warns they may come back. */
export function callWithNulls(sessionId: string, startSec: number) {
  return {
    SessionId: sessionId,
    Time: startSec,
    StartTimestamp: startSec,
    Caller: "008613612345678",
    Callee: null,
    Direction: 0,
    CallType: null,
    Duration: null,
    RecordURL: null,
    RecordId: null,
    SeatUser: null,
    EndStatus: null,
    SkillGroup: null,
    SkillGroupId: null,
    IVRKeyPressed: null,
    IVRKeyPressedEx: null,
    PostIVRKeyPressed: null,
    PostIVRKeyPressedEx: null,
    ServeParticipants: null,
    QueuedSkillGroupId: null,
    Uui: null,
    UUI: null,
    AsrUrl: null,
    AsrStatus: null,
    CustomRecordURL: null,
    VoicemailRecordURL: null,
    VoicemailAsrURL: null,
    AIAgentId: null,
    AIAgentName: null,
    SysHangupReason: null,
    SysHangupReasonString: null,
  } satisfies AsSent<TelCdrInfo>;
}

/** Optional fields empty: "" for strings, [] for lists, 0 for numbers and timestamps. */
export function callWithEmptyValues(sessionId: string, startSec: number) {
  return {
    SessionId: sessionId,
    Time: startSec,
    StartTimestamp: startSec,
    Caller: "008613612345678",
    Callee: "",
    Direction: 0,
    CallType: 0,
    Duration: 0,
    RecordURL: "",
    RecordId: "",
    SeatUser: { Name: "", Mail: "", StaffNumber: "", Phone: "", Nick: "", UserId: "", SkillGroupNameList: [], Role: 0, ExtensionNumber: "" },
    EndStatus: 0,
    EndStatusString: "",
    SkillGroup: "",
    SkillGroupId: 0,
    CallerLocation: "",
    IVRDuration: 0,
    RingTimestamp: 0,
    AcceptTimestamp: 0,
    EndedTimestamp: 0,
    QueuedTimestamp: 0,
    IVRKeyPressed: [],
    IVRKeyPressedEx: [],
    HungUpSide: "",
    ServeParticipants: [],
    PostIVRKeyPressed: [],
    PostIVRKeyPressedEx: [],
    QueuedSkillGroupId: 0,
    QueuedSkillGroupName: "",
    ProtectedCaller: "",
    ProtectedCallee: "",
    Uui: "",
    UUI: "",
    AsrUrl: "",
    AsrStatus: "",
    CustomRecordURL: "",
    Remark: "",
    VoicemailRecordURL: [],
    VoicemailAsrURL: [],
    AIAgentId: 0,
    AIAgentName: "",
    SysHangupReason: 0,
    SysHangupReasonString: "",
  } satisfies TelCdrInfo;
}

/** The call kinds a day of traffic is made of, in the order sampleTelCdrs cycles through them. */
export const CALL_KINDS = [answeredInboundCall, transferredInboundCall, voicemailCall, unansweredOutboundCall, aiAgentCall] as const;

/** A mix of every call kind, one call each `spacingSec` from `firstStartSec`, session ids `<prefix>-call-<i>`. */
export function sampleTelCdrs(prefix: string | number, count: number, firstStartSec: number, spacingSec = 1, options: SampleOptions = {}): TelCdrInfo[] {
  return Array.from({ length: count }, (_, index) => sampleTelCdr(`${prefix}-call-${index}`, firstStartSec + index * spacingSec, index, options));
}

/** The `index`-th call of the mix. */
export function sampleTelCdr(sessionId: string, startSec: number, index = 0, options: SampleOptions = {}): TelCdrInfo {
  const kind = CALL_KINDS[index % CALL_KINDS.length]!;
  return kind(sessionId, startSec, options);
}

/** Rows a set of well-formed records yields: one session each, one participant per leg, one recording per listed URL. */
export function rowsListed(records: TelCdrInfo[]): { sessions: number; participants: number; recordings: number } {
  return {
    sessions: records.length,
    participants: records.reduce((sum, record) => sum + (record.ServeParticipants?.length ?? 0), 0),
    recordings: records.reduce(
      (sum, record) =>
        sum + (record.RecordURL ? 1 : 0) + (record.ServeParticipants ?? []).filter((leg) => leg.RecordURL).length + (record.VoicemailRecordURL?.length ?? 0),
      0,
    ),
  };
}
