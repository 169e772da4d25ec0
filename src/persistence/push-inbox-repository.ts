import { runStatement, type Database, type PreparedStatement, type Sql, type StatementRunner } from "./database";
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

// push_inbox is partitioned by month on received_at, and a unique index of a partitioned table must contain the
// partition key: push_uuid alone is unique in push_keys, which also says in which month (partition) the row is. A
// concurrent duplicate waits on the push_keys row until the first transaction ends.
const CLAIM_KEYS_SQL = `
  INSERT INTO push_keys AS k (push_uuid, received_at)
  SELECT r."pushUuid", $2::timestamptz FROM json_to_recordset($1::json) AS r("pushUuid" text)
  ON CONFLICT (push_uuid) DO UPDATE SET received_at = k.received_at
  RETURNING push_uuid, received_at, (xmax = 0) AS inserted`;

// a second statement, so that its snapshot sees the row of a duplicate whose first copy committed while we waited
const STORE_PUSHES_SQL = `
  WITH r AS (
    SELECT * FROM json_to_recordset($1::json) AS r("pushUuid" text, action text, "sdkAppId" bigint, "sessionId" text, "rawBody" text,
                                                   status text, error text, "duplicatesInBatch" integer, "receivedAt" timestamptz, inserted boolean)
  ), added AS (
    INSERT INTO push_inbox (push_uuid, action, sdk_app_id, session_id, body, status, error, received_at, processed_at, duplicate_count, last_duplicate_at)
    SELECT r."pushUuid", r.action, r."sdkAppId", r."sessionId", r."rawBody"::jsonb, r.status, r.error, r."receivedAt",
           CASE WHEN r.status = 'processed' THEN now() END,
           COALESCE(r."duplicatesInBatch", 0),
           CASE WHEN r."duplicatesInBatch" > 0 THEN now() END
    FROM r WHERE r.inserted
    -- the failed ones are counted at the commit in this order, by the key of push_inbox_failed_counts: two batches
    -- lock their counter rows in the same order, so one may wait for the other's commit but never deadlock
    ORDER BY r.status, r.action, COALESCE(r."sdkAppId", 0)
  )
  UPDATE push_inbox p
  SET duplicate_count = p.duplicate_count + 1 + COALESCE(r."duplicatesInBatch", 0), last_duplicate_at = now()
  FROM r WHERE NOT r.inserted AND p.push_uuid = r."pushUuid" AND p.received_at = r."receivedAt"`;

/** A push whose key is claimed: when it is in push_inbox (its month) and whether this transaction inserted the key. */
export interface ClaimedPush extends NewPush {
  receivedAt: Date;
  inserted: boolean;
}

/**
 * The first half of inserting pushes received at `receivedAt`: claims their push_uuids in push_keys, in whichever
 * month a uuid was stored before. A concurrent duplicate waits until the first transaction ends, so it is only ever
 * answered after the original is committed. Push uuids must be unique within one call.
 */
export async function claimPushKeys(sql: StatementRunner, pushes: NewPush[], receivedAt: Date = new Date()): Promise<ClaimedPush[]> {
  // keys in one order, so that two batches holding the same uuids cannot deadlock
  const sorted = [...pushes].sort((a, b) => (a.pushUuid < b.pushUuid ? -1 : a.pushUuid > b.pushUuid ? 1 : 0));
  const keys = await sql.$queryRawUnsafe<{ push_uuid: string; received_at: Date; inserted: boolean }[]>(
    CLAIM_KEYS_SQL,
    toJsonRows(sorted.map(({ pushUuid }) => ({ pushUuid }))),
    receivedAt,
  );
  const claimed = new Map(keys.map((key) => [key.push_uuid, key]));
  return sorted.map((push) => {
    const key = claimed.get(push.pushUuid);
    if (!key) throw new Error(`push_keys returned no row for ${push.pushUuid}`);
    return { ...push, receivedAt: key.received_at, inserted: key.inserted };
  });
}

/** The second half, in the same transaction: inserts the pushes whose key was new, counts the duplicates of the others. */
export function storeClaimedPushes(claimed: ClaimedPush[]): PreparedStatement<void> {
  return { text: STORE_PUSHES_SQL, values: [toJsonRows(claimed)], read: () => undefined };
}

/** The push_uuids this transaction claimed first: the pushes that are new. */
export const newPushUuids = (claimed: ClaimedPush[]): Set<string> => new Set(claimed.filter((push) => push.inserted).map((push) => push.pushUuid));

/** Both halves: inserts the pushes or counts their duplicates; returns the push_uuids that were new. */
export async function insertPushesOrCountDuplicates(sql: StatementRunner, pushes: NewPush[], receivedAt: Date = new Date()): Promise<Set<string>> {
  const claimed = await claimPushKeys(sql, pushes, receivedAt);
  await runStatement(sql, storeClaimedPushes(claimed));
  return newPushUuids(claimed);
}

/** Which stored pushes an admin means; every field optional. */
export interface PushSelection {
  status?: PushStatus;
  action?: string;
  sdkAppId?: bigint;
}

const matching = (selection: PushSelection) => ({ status: selection.status, action: selection.action, sdkAppId: selection.sdkAppId });

/** The newest pushes first. */
export function listPushes(db: Database, selection: PushSelection, limit: number) {
  return db.pushInbox.findMany({ where: matching(selection), orderBy: { receivedAt: "desc" }, take: limit });
}

export async function countPushes(db: Database, selection: PushSelection): Promise<number> {
  if (selection.status !== "failed") return db.pushInbox.count({ where: matching(selection) });
  const failed = await countFailedPushesByAction(db, selection.sdkAppId ?? null);
  return failed.filter((row) => selection.action === undefined || row.action === selection.action).reduce((sum, row) => sum + row.count, 0);
}

/** The next pushes after `afterId`, in id order: a page of a walk over every matching push. */
export function pushesAfter(db: Database, selection: PushSelection, afterId: bigint, limit: number): Promise<{ id: bigint; pushUuid: string }[]> {
  return db.pushInbox.findMany({ where: { ...matching(selection), id: { gt: afterId } }, orderBy: { id: "asc" }, take: limit, select: { id: true, pushUuid: true } });
}

/** The stored push, locked until the transaction ends, so concurrent replays of it serialize. */
export async function lockPush(sql: Sql, pushUuid: string): Promise<{ action: string; body: string } | undefined> {
  const [stored] = await sql.$queryRaw<{ action: string; body: string }[]>`
    SELECT action, body::text AS body FROM push_inbox WHERE push_uuid = ${pushUuid} FOR UPDATE`;
  return stored;
}

/** What a replay made of a push: its status now, and its app and session when it named them readably this time. */
export async function recordPushReplay(
  sql: Sql,
  pushUuid: string,
  outcome: { status: PushStatus; error: string | null; sdkAppId?: bigint; sessionId?: string },
): Promise<void> {
  await sql.$executeRaw`
    UPDATE push_inbox
    SET status = ${outcome.status}, error = ${outcome.error},
        processed_at = CASE WHEN ${outcome.status} = 'processed' THEN COALESCE(processed_at, now()) END,
        sdk_app_id = COALESCE(${outcome.sdkAppId ?? null}::bigint, sdk_app_id),
        session_id = COALESCE(${outcome.sessionId ?? null}, session_id),
        replay_count = replay_count + 1, last_replayed_at = now()
    WHERE push_uuid = ${pushUuid}`;
}

/**
 * Failed pushes per action, of every application or of one: from push_inbox_failed_counts, which push_inbox's
 * triggers keep exact in the transaction of every change, so a few rows are read however many pushes failed.
 */
export function countFailedPushesByAction(sql: Sql, sdkAppId: bigint | null): Promise<{ action: string; count: number }[]> {
  return sql.$queryRaw<{ action: string; count: number }[]>`
    SELECT action, sum(count)::int AS count FROM push_inbox_failed_counts
    WHERE ${sdkAppId}::bigint IS NULL OR sdk_app_id = ${sdkAppId}::bigint
    GROUP BY action HAVING sum(count) <> 0 ORDER BY action`;
}

/**
 * Rows that enter or leave push_inbox by ATTACH or DETACH PARTITION, which fire no row triggers: their failed ones
 * are added to (1) or taken from (-1) the counts, in the transaction of the DDL. `partition` is a table name made by
 * src/history (no input).
 */
export async function countFailedPushesOfPartition(sql: Sql, partition: string, sign: 1 | -1): Promise<void> {
  await sql.$executeRawUnsafe(
    `INSERT INTO push_inbox_failed_counts AS counted (action, sdk_app_id, count)
     SELECT action, COALESCE(sdk_app_id, 0), ${sign} * count(*) FROM ${partition} WHERE status = 'failed'
     GROUP BY 1, 2 ORDER BY 1, 2
     ON CONFLICT (action, sdk_app_id) DO UPDATE SET count = counted.count + excluded.count`,
  );
}
