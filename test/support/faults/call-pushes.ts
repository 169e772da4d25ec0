import { randomUUID } from "node:crypto";
import { sampleCdr, sampleRecord } from "../payloads";
import type { PushSpec } from "./push-load";

export interface CallPushOptions {
  /** How many calls; endless by default. */
  calls?: number;
  /** Where a track's recording is; by default a vendor-like URL nothing may fetch in tests. */
  recordUrl?: (sessionId: string, recordId: string) => string;
}

/**
 * Calls as TCCC pushes them: per call one CDR and two recording tracks (customer and agent), each push with its own
 * X-TCCC-PUSH-UUID.
 */
export function* callPushes(sdkAppId: number, options: CallPushOptions = {}): Generator<PushSpec> {
  const recordUrl = options.recordUrl ?? ((sessionId, recordId) => `https://recorder-1.cos.ap-guangzhou.myqcloud.com/${sessionId}/${recordId}.mp3`);
  for (let call = 0; call < (options.calls ?? Infinity); call++) {
    const sessionId = randomUUID();
    const customerTrack = randomUUID();
    const agentTrack = randomUUID();
    const cdr = sampleCdr(sdkAppId, sessionId, { RecordId: customerTrack });
    const record = (recordId: string, endpointUser: string) =>
      sampleRecord(sdkAppId, sessionId, { RecordId: recordId, EndpointUser: endpointUser, RecordURL: recordUrl(sessionId, recordId) });
    yield { action: "cdr", pushUuid: randomUUID(), body: JSON.stringify(cdr) };
    yield { action: "record", pushUuid: randomUUID(), body: JSON.stringify(record(customerTrack, "008613800000000")) };
    yield { action: "record", pushUuid: randomUUID(), body: JSON.stringify(record(agentTrack, "agent@example.com")) };
  }
}
