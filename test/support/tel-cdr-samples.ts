import { sampleCdr } from "./payloads";

/**
 * A DescribeTelCdr TelCdrInfo: the pushed CDR's fields plus what only the API lists (recording and ASR URLs,
 * protected numbers, remark, numeric EndStatus).
 */
export function sampleTelCdr(sdkAppId: number, sessionId: string, startSec: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cdr = sampleCdr(sdkAppId, sessionId, { StartTimestamp: startSec, RingTimestamp: startSec + 4, AcceptTimestamp: startSec + 6, EndedTimestamp: startSec + 66, Duration: 60 });
  const [agentLeg] = cdr.ServeParticipants as Record<string, unknown>[];
  return {
    ...cdr,
    Time: startSec,
    EndStatus: 1,
    RecordURL: `https://recorder-10018504.cos.ap-shanghai.myqcloud.com/${sessionId}/customer.mp3`,
    CustomRecordURL: "",
    ServeParticipants: [{ ...agentLeg, StartTimestamp: startSec, RecordURL: `https://recorder-10018504.cos.ap-shanghai.myqcloud.com/${sessionId}/agent.mp3` }],
    VoicemailRecordURL: [`https://recorder-10018504.cos.ap-shanghai.myqcloud.com/${sessionId}/voicemail.mp3?sign=abc`],
    AsrUrl: `https://asr.example.com/${sessionId}.json`,
    ProtectedCaller: "0086400****6666",
    ProtectedCallee: "0086184****7605",
    Remark: "callback requested",
    ...overrides,
  };
}

/** `count` calls of one application, one every `spacingSec` from `firstStartSec`. */
export function sampleTelCdrs(sdkAppId: number, count: number, firstStartSec: number, spacingSec = 1): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => sampleTelCdr(sdkAppId, `${sdkAppId}-call-${index}`, firstStartSec + index * spacingSec));
}
