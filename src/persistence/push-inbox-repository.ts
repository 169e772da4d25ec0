import type { StatementRunner } from "./database";
import { toJsonRows } from "./sql-json";

export type PushStatus = "processed" | "failed";

export interface NewPush {
  pushUuid: string;
  action: string;
  sdkAppId?: bigint;
  sessionId?: string;
  /** The body exactly as received; PostgreSQL parses it into jsonb. */
  rawBody: string;
  status: PushStatus;
  error?: string;
  /** Further copies of this push that arrived in the same batch. */
  duplicatesInBatch?: number;
}

const INSERT_PUSHES_SQL = `
  INSERT INTO push_inbox AS p (push_uuid, action, sdk_app_id, session_id, body, status, error, processed_at, duplicate_count, last_duplicate_at)
  SELECT r."pushUuid", r.action, r."sdkAppId", r."sessionId", r."rawBody"::jsonb, r.status, r.error,
         CASE WHEN r.status = 'processed' THEN now() END,
         COALESCE(r."duplicatesInBatch", 0),
         CASE WHEN r."duplicatesInBatch" > 0 THEN now() END
  FROM json_to_recordset($1::json) AS r("pushUuid" text, action text, "sdkAppId" bigint, "sessionId" text, "rawBody" text,
                                        status text, error text, "duplicatesInBatch" integer)
  ON CONFLICT (push_uuid) DO UPDATE
    SET duplicate_count = p.duplicate_count + 1 + EXCLUDED.duplicate_count, last_duplicate_at = now()
  RETURNING push_uuid, (xmax = 0) AS inserted`;

/**
 * Inserts pushes, or counts duplicates of those whose push_uuid is already stored; returns the push_uuids that were
 * new. A concurrent duplicate waits on the unique index until the first transaction ends, so it is only ever answered
 * after the original is committed. Push uuids must be unique within one call.
 */
export async function insertPushesOrCountDuplicates(sql: StatementRunner, pushes: NewPush[]): Promise<Set<string>> {
  const sorted = [...pushes].sort((a, b) => (a.pushUuid < b.pushUuid ? -1 : a.pushUuid > b.pushUuid ? 1 : 0));
  const rows = await sql.$queryRawUnsafe<{ push_uuid: string; inserted: boolean }[]>(INSERT_PUSHES_SQL, toJsonRows(sorted));
  return new Set(rows.filter((row) => row.inserted).map((row) => row.push_uuid));
}
