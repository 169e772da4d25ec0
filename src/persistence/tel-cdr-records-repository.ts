import type { Database, Sql } from "./database";
import { toJsonRows } from "./sql-json";

/** tel_cdr_records: every DescribeTelCdr record kept raw, one row per application and record key, as pushes are in push_inbox. */

export type TelCdrRecordStatus = "processed" | "failed";

export interface RawTelCdrRecord {
  recordKey: string;
  sessionId?: string;
  body: unknown;
  status: TelCdrRecordStatus;
  error?: string;
}

const UPSERT_RAW_SQL = `
  INSERT INTO tel_cdr_records AS t (sdk_app_id, record_key, session_id, body, status, error, last_run_id)
  SELECT $1::bigint, r."recordKey", r."sessionId", r.body, r.status, r.error, $2::bigint
  FROM json_to_recordset($3::json) AS r("recordKey" text, "sessionId" text, body jsonb, status text, error text)
  ON CONFLICT (sdk_app_id, record_key) DO UPDATE
    SET body = EXCLUDED.body, session_id = EXCLUDED.session_id, status = EXCLUDED.status, error = EXCLUDED.error,
        last_seen_at = now(), last_run_id = EXCLUDED.last_run_id`;

/** The latest listing of each record wins; record keys must be unique within one call. */
export async function upsertTelCdrRecords(sql: Sql, sdkAppId: bigint, runId: bigint, records: RawTelCdrRecord[]): Promise<void> {
  if (records.length === 0) return;
  const sorted = [...records].sort((a, b) => (a.recordKey < b.recordKey ? -1 : a.recordKey > b.recordKey ? 1 : 0));
  // toJsonRows, not JSON.stringify: a record may nest deeper than JSON.stringify's recursion goes
  await sql.$executeRawUnsafe(UPSERT_RAW_SQL, sdkAppId, runId, toJsonRows(sorted));
}

/** The stored record, locked until the transaction ends, so concurrent replays of it serialize. */
export async function lockTelCdrRecord(sql: Sql, id: bigint): Promise<{ sdk_app_id: bigint; body: string } | undefined> {
  const [stored] = await sql.$queryRaw<{ sdk_app_id: bigint; body: string }[]>`
    SELECT sdk_app_id, body::text AS body FROM tel_cdr_records WHERE id = ${id} FOR UPDATE`;
  return stored;
}

export async function recordTelCdrReplay(sql: Sql, id: bigint, outcome: { status: TelCdrRecordStatus; error: string | null }): Promise<void> {
  await sql.$executeRaw`
    UPDATE tel_cdr_records SET status = ${outcome.status}, error = ${outcome.error}, replay_count = replay_count + 1, last_replayed_at = now()
    WHERE id = ${id}`;
}

/** Which stored records an admin means; every field optional. */
export interface TelCdrRecordSelection {
  status?: TelCdrRecordStatus;
  sdkAppId?: bigint;
  sessionId?: string;
}

const matching = (selection: TelCdrRecordSelection) => ({ status: selection.status, sdkAppId: selection.sdkAppId, sessionId: selection.sessionId });

/** The most recently listed first, without their bodies. */
export function listTelCdrRecords(db: Database, selection: TelCdrRecordSelection, limit: number) {
  return db.telCdrRecord.findMany({ where: matching(selection), orderBy: { lastSeenAt: "desc" }, take: limit, omit: { body: true } });
}

export function countTelCdrRecords(db: Database, selection: TelCdrRecordSelection): Promise<number> {
  return db.telCdrRecord.count({ where: matching(selection) });
}

/** The next records after `afterId`, in id order: a page of a walk over every matching record. */
export function telCdrRecordsAfter(db: Database, selection: TelCdrRecordSelection, afterId: bigint, limit: number): Promise<{ id: bigint }[]> {
  return db.telCdrRecord.findMany({ where: { ...matching(selection), id: { gt: afterId } }, orderBy: { id: "asc" }, take: limit, select: { id: true } });
}

export async function countFailedTelCdrRecords(sql: Sql, sdkAppId: bigint | null): Promise<number> {
  const [row] = await sql.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count FROM tel_cdr_records
    WHERE status = 'failed' AND (${sdkAppId}::bigint IS NULL OR sdk_app_id = ${sdkAppId}::bigint)`;
  return row?.count ?? 0;
}
