import type { Sql } from "../../src/persistence/database";
import { sampleCdr } from "../support/payloads";

/** Crafted calls for the analysts' views: times as ISO strings, anything left out is TCCC's 0 ("did not happen"). */
export interface CraftedLeg {
  mail: string;
  start?: string;
  ring?: string;
  accept?: string;
  ended?: string;
  transferFrom?: string;
  transferTo?: string;
  recordId?: string;
  endStatus?: string;
}

export interface CraftedCall {
  direction: 0 | 1;
  skillGroup?: [number, string];
  start: string;
  queued?: string;
  ring?: string;
  accept?: string;
  ended?: string;
  /** TCCC's Duration; by default ended minus accept when both are known, else 0. */
  duration?: number;
  endStatus: string;
  agent?: string;
  recordId?: string;
  legs?: CraftedLeg[];
  ivrKeys?: unknown;
  survey?: unknown;
}

export const unixSeconds = (iso?: string) => (iso ? Date.parse(iso) / 1000 : 0);

/** The CDR push TCCC would send for the call. */
export function craftedCdr(appId: number, sessionId: string, call: CraftedCall): Record<string, unknown> {
  const duration = call.duration ?? (call.accept && call.ended ? unixSeconds(call.ended) - unixSeconds(call.accept) : 0);
  return sampleCdr(appId, sessionId, {
    Direction: call.direction,
    StartTimestamp: unixSeconds(call.start),
    QueuedTimestamp: unixSeconds(call.queued),
    RingTimestamp: unixSeconds(call.ring),
    AcceptTimestamp: unixSeconds(call.accept),
    EndedTimestamp: unixSeconds(call.ended),
    Duration: duration,
    IVRDuration: 10,
    EndStatusString: call.endStatus,
    QueuedSkillGroupId: call.skillGroup?.[0] ?? 0,
    QueuedSkillGroupName: call.skillGroup?.[1] ?? "",
    RecordId: call.recordId ?? "",
    SeatUser: call.agent ? { Mail: call.agent, UserId: call.agent, Name: call.agent } : null,
    IVRKeyPressedEx: call.ivrKeys ?? null,
    PostIVRKeyPressed: call.survey ?? null,
    ServeParticipants: (call.legs ?? []).map((leg, sequence) => ({
      Mail: leg.mail,
      Phone: "",
      Sequence: sequence,
      Type: call.direction === 1 ? "outboundSeat" : "staffSeat",
      StartTimestamp: unixSeconds(leg.start ?? leg.ring),
      RingTimestamp: unixSeconds(leg.ring),
      AcceptTimestamp: unixSeconds(leg.accept),
      EndedTimestamp: unixSeconds(leg.ended),
      RecordId: leg.recordId ?? "",
      TransferFrom: leg.transferFrom ?? "",
      TransferFromType: leg.transferFrom ? "staffSeat" : "",
      TransferTo: leg.transferTo ?? "",
      TransferToType: leg.transferTo ? "staffSeat" : "",
      SkillGroupId: call.skillGroup?.[0] ?? 0,
      SkillGroupName: call.skillGroup?.[1] ?? "",
      EndStatusString: leg.endStatus ?? "ok",
    })),
  });
}

/** A view's rows of one application as JSON, the way an analyst's tool sees them: numbers as numbers, days as dates. */
export async function viewRows(sql: Sql, view: string, appId: number, orderBy: string): Promise<Record<string, unknown>[]> {
  const result = await sql.$queryRawUnsafe<{ row: Record<string, unknown> }[]>(
    `SELECT to_jsonb(v) - 'sdk_app_id' AS row FROM ${view} v WHERE sdk_app_id = $1 ORDER BY ${orderBy}`,
    BigInt(appId),
  );
  return result.map(({ row }) => row);
}
