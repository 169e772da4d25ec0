import { NotFoundError } from "../errors/app-errors";
import { saveCallRecords, sessionKey, type SessionOutcome } from "../persistence/call-records-repository";
import { TRANSACTION_OPTIONS, type Database, type Sql } from "../persistence/database";
import {
  lockTelCdrRecord,
  recordTelCdrReplay,
  upsertTelCdrRecords,
  type RawTelCdrRecord,
  type TelCdrRecordStatus,
} from "../persistence/tel-cdr-records-repository";
import { interpretTelCdr, type TelCdrInterpretation } from "../tccc/interpret";

/**
 * DescribeTelCdr records, kept raw in tel_cdr_records as pushes are in push_inbox (one row per application and
 * SessionId, the latest body), and merged into the call tables under the application the request named.
 */

export interface SavedTelCdrs {
  /** Per record, in the order given: what it did to its call, or `failed` when it could not be read. */
  outcomes: (SessionOutcome | "failed")[];
  createdSessions: { sdkAppId: bigint; sessionId: string }[];
  recordingIdsToMirror: bigint[];
}

/**
 * Stores interpreted records in the caller's transaction: each raw body (the latest listing wins) and the rows of
 * those that could be read, with the same merge rules as pushes.
 */
export async function saveTelCdrs(sql: Sql, sdkAppId: bigint, interpreted: TelCdrInterpretation[], runId: bigint): Promise<SavedTelCdrs> {
  const readable = interpreted.flatMap((record) => (record.ok ? [record] : []));
  const saved = await saveCallRecords(sql, readable.map((record) => record.records), "reconcile");

  const latestByKey = new Map<string, TelCdrInterpretation>();
  for (const record of interpreted) latestByKey.set(record.recordKey, record);
  const raw = [...latestByKey.values()].map(
    (record): RawTelCdrRecord => ({ recordKey: record.recordKey, sessionId: record.sessionId, body: record.body, status: record.ok ? "processed" : "failed", error: record.ok ? undefined : record.error }),
  );
  await upsertTelCdrRecords(sql, sdkAppId, runId, raw);

  // a call listed twice counts once for what it changed; its other listings changed nothing more
  const counted = new Set<string>();
  const createdSessions: SavedTelCdrs["createdSessions"] = [];
  const outcomes = interpreted.map((record): SessionOutcome | "failed" => {
    if (!record.ok) return "failed";
    const session = { sdkAppId, sessionId: record.sessionId };
    if (counted.has(sessionKey(session))) return "unchanged";
    counted.add(sessionKey(session));
    const outcome = saved.sessions.get(sessionKey(session)) ?? "unchanged";
    if (outcome === "created") createdSessions.push(session);
    return outcome;
  });
  return { outcomes, createdSessions, recordingIdsToMirror: saved.recordingIdsToMirror };
}

export interface TelCdrReplayOutcome {
  id: bigint;
  status: TelCdrRecordStatus;
  error: string | null;
  recordingIdsToMirror: bigint[];
}

/**
 * Runs a stored record through today's schema and mapping again: after a fix, a record that could not be read can
 * be, and a mapping that changed is applied to what the API said. Idempotent, like a push replay.
 */
export async function replayTelCdrRecord(prisma: Database, id: bigint): Promise<TelCdrReplayOutcome> {
  return prisma.$transaction(async (tx) => {
    const stored = await lockTelCdrRecord(tx, id);
    if (!stored) throw new NotFoundError(`no DescribeTelCdr record with id ${id}`);
    const interpretation = interpretTelCdr(stored.sdk_app_id, JSON.parse(stored.body));
    const saved = interpretation.ok ? await saveCallRecords(tx, interpretation.records, "reconcile") : undefined;
    const status: TelCdrRecordStatus = interpretation.ok ? "processed" : "failed";
    const error = interpretation.ok ? null : interpretation.error;
    await recordTelCdrReplay(tx, id, { status, error });
    return { id, status, error, recordingIdsToMirror: saved?.recordingIdsToMirror ?? [] };
  }, TRANSACTION_OPTIONS);
}
