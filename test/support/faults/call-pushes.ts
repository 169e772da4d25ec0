import { randomUUID } from "node:crypto";
import { sampleCdr, sampleRecord } from "../payloads";
import type { PushSpec } from "./push-load";

/**
 * `calls` calls (endless by default) as TCCC pushes them: per call one CDR and two recording tracks (customer and
 * agent), each push with its own X-TCCC-PUSH-UUID.
 */
export function* callPushes(sdkAppId: number, calls = Infinity): Generator<PushSpec> {
  for (let call = 0; call < calls; call++) {
    const sessionId = randomUUID();
    const customerTrack = randomUUID();
    const agentTrack = randomUUID();
    const cdr = sampleCdr(sdkAppId, sessionId, { RecordId: customerTrack });
    const record = (recordId: string, endpointUser: string) =>
      sampleRecord(sdkAppId, sessionId, { RecordId: recordId, EndpointUser: endpointUser, RecordURL: `https://recorder-1.cos.ap-guangzhou.myqcloud.com/${sessionId}/${recordId}.mp3` });
    yield { action: "cdr", pushUuid: randomUUID(), body: JSON.stringify(cdr) };
    yield { action: "record", pushUuid: randomUUID(), body: JSON.stringify(record(customerTrack, "008613800000000")) };
    yield { action: "record", pushUuid: randomUUID(), body: JSON.stringify(record(agentTrack, "agent@example.com")) };
  }
}
