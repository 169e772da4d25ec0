import type { Database, Sql } from "./database";
import { toJsonRows } from "./sql-json";

/**
 * tel_cdr_records: every DescribeTelCdr record kept raw, one row per application and record key, as pushes are in
 * push_inbox; partitioned by month on first_seen_at (src/history).
 */

export type TelCdrRecordStatus = "processed" | "failed";

export interface RawTelCdrRecord {
  recordKey: string;
  sessionId?: string;
  body: unknown;
  status: TelCdrRecordStatus;
  error?: string;
}

// tel_cdr_records is partitioned by month on first_seen_at, and a unique index of a partitioned table must contain
// the partition key: (sdk_app_id, record_key) alone is unique in tel_cdr_record_keys, which also says in which month
// (partition) the record's row is. A concurrent listing of the same record waits on its key until the first commits.
const CLAIM_KEYS_SQL = `
  INSERT INTO tel_cdr_record_keys AS k (sdk_app_id, record_key, first_seen_at)
  SELECT $1::bigint, r."recordKey", now() FROM json_to_recordset($2::json) AS r("recordKey" text)
  ON CONFLICT (sdk_app_id, record_key) DO UPDATE SET first_seen_at = k.first_seen_at
  RETURNING record_key, first_seen_at, (xmax = 0) AS inserted`;

// a second statement, so that its snapshot sees the row of a record whose first listing committed while we waited
const UPSERT_RAW_SQL = `
  WITH r AS (
    SELECT * FROM json_to_recordset($3::json)
      AS r("recordKey" text, "sessionId" text, body jsonb, status text, error text, "firstSeenAt" timestamptz, inserted boolean)
  ), added AS (
    INSERT INTO tel_cdr_records (sdk_app_id, record_key, session_id, body, status, error, last_run_id, first_seen_at)
    SELECT $1::bigint, r."recordKey", r."sessionId", r.body, r.status, r.error, $2::bigint, r."firstSeenAt" FROM r WHERE r.inserted
  )
  UPDATE tel_cdr_records t
  SET body = r.body, session_id = r."sessionId", status = r.status, error = r.error, last_seen_at = now(), last_run_id = $2::bigint
  FROM r WHERE NOT r.inserted AND t.sdk_app_id = $1::bigint AND t.record_key = r."recordKey" AND t.first_seen_at = r."firstSeenAt"`;

/** The latest listing of each record wins; record keys must be unique within one call. */
export async function upsertTelCdrRecords(sql: Sql, sdkAppId: bigint, runId: bigint, records: RawTelCdrRecord[]): Promise<void> {
  if (records.length === 0) return;
  // keys in one order, so that two runs listing the same records cannot deadlock
  const sorted = [...records].sort((a, b) => (a.recordKey < b.recordKey ? -1 : a.recordKey > b.recordKey ? 1 : 0));
  const keys = await sql.$queryRawUnsafe<{ record_key: string; first_seen_at: Date; inserted: boolean }[]>(
    CLAIM_KEYS_SQL,
    sdkAppId,
    toJsonRows(sorted.map(({ recordKey }) => ({ recordKey }))),
  );
  const claimed = new Map(keys.map((key) => [key.record_key, key]));
  const rows = sorted.map((record) => {
    const key = claimed.get(record.recordKey);
    if (!key) throw new Error(`tel_cdr_record_keys returned no row for ${record.recordKey}`);
    return { ...record, firstSeenAt: key.first_seen_at, inserted: key.inserted };
  });
  // toJsonRows, not JSON.stringify: a record may nest deeper than JSON.stringify's recursion goes
  await sql.$executeRawUnsafe(UPSERT_RAW_SQL, sdkAppId, runId, toJsonRows(rows));
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
