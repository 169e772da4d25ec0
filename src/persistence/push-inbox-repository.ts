import type { Sql } from "./database";

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
}

/**
 * Inserts a push, or counts a duplicate when its push_uuid is already stored. A concurrent duplicate waits on the
 * unique index until the first transaction ends, so it is only ever answered after the original is committed.
 */
export async function insertPushOrCountDuplicate(sql: Sql, push: NewPush): Promise<{ id: bigint; inserted: boolean }> {
  const rows = await sql.$queryRaw<{ id: bigint; inserted: boolean }[]>`
    INSERT INTO push_inbox (push_uuid, action, sdk_app_id, session_id, body, status, error, processed_at)
    VALUES (${push.pushUuid}, ${push.action}, ${push.sdkAppId ?? null}::bigint, ${push.sessionId ?? null}, ${push.rawBody}::jsonb,
            ${push.status}, ${push.error ?? null}, CASE WHEN ${push.status} = 'processed' THEN now() END)
    ON CONFLICT (push_uuid) DO UPDATE
      SET duplicate_count = push_inbox.duplicate_count + 1, last_duplicate_at = now()
    RETURNING id, (xmax = 0) AS inserted`;
  const row = rows[0];
  if (!row) throw new Error(`push_inbox upsert of ${push.pushUuid} returned no row`);
  return row;
}
