import { createHash } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { NotFoundError } from "../errors/app-errors";
import { telCdrToCallRecords, type CallRecords } from "../persistence/call-records";
import { saveCallRecords, sessionKey, type SessionOutcome } from "../persistence/call-records-repository";
import { TRANSACTION_OPTIONS, type Database, type Sql } from "../persistence/database";
import { stringifyJson, toJsonRows } from "../persistence/sql-json";
import { describeIssues } from "../tccc/fields";
import { telCdrInfoSchema } from "../tccc/tel-cdr-info";

/**
 * DescribeTelCdr records, kept raw in tel_cdr_records as pushes are in push_inbox (one row per application and
 * SessionId, the latest body), and merged into the call tables under the application the request named.
 */

export type TelCdrInterpretation =
  | { ok: true; recordKey: string; sessionId: string; body: unknown; records: CallRecords }
  | { ok: false; recordKey: string; sessionId?: string; body: unknown; error: string };

/** A record the API sends twice is one row; one without a usable SessionId is known by its content. */
function readableSessionId(record: unknown): string | undefined {
  const value = record && typeof record === "object" ? (record as Record<string, unknown>).SessionId : undefined;
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;
}

export function interpretTelCdr(sdkAppId: bigint, record: unknown): TelCdrInterpretation {
  const parsed = telCdrInfoSchema.safeParse(record);
  if (parsed.success) return { ok: true, recordKey: parsed.data.SessionId, sessionId: parsed.data.SessionId, body: record, records: telCdrToCallRecords(sdkAppId, parsed.data) };
  const sessionId = readableSessionId(record);
  const recordKey = sessionId ?? `sha256:${createHash("sha256").update(stringifyJson(record ?? null)).digest("hex")}`;
  return { ok: false, recordKey, sessionId, body: record ?? null, error: describeIssues(parsed.error) };
}

const PARSE_SLICE = 10;

/** Parses a page; yields now and then, since a page takes ~20 ms and requests granted meanwhile must go out on time. */
export async function interpretTelCdrPage(sdkAppId: bigint, records: unknown[]): Promise<TelCdrInterpretation[]> {
  const interpreted: TelCdrInterpretation[] = [];
  for (const [index, record] of records.entries()) {
    if (index % PARSE_SLICE === PARSE_SLICE - 1) await yieldToEventLoop();
    interpreted.push(interpretTelCdr(sdkAppId, record));
  }
  return interpreted;
}

/** What a failed record's `error` on the run says about it. */
export const describeFailedRecord = (record: Extract<TelCdrInterpretation, { ok: false }>) => `${record.sessionId ?? "(no SessionId)"}: ${record.error}`;

export interface SavedTelCdrs {
  /** Per record, in the order given: what it did to its call, or `failed` when it could not be read. */
  outcomes: (SessionOutcome | "failed")[];
  createdSessions: { sdkAppId: bigint; sessionId: string }[];
  recordingIdsToMirror: bigint[];
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

/**
 * Stores interpreted records in the caller's transaction: each raw body (the latest listing wins) and the rows of
 * those that could be read, with the same merge rules as pushes.
 */
export async function saveTelCdrs(sql: Sql, sdkAppId: bigint, interpreted: TelCdrInterpretation[], runId: bigint): Promise<SavedTelCdrs> {
  const readable = interpreted.flatMap((record) => (record.ok ? [record] : []));
  const saved = await saveCallRecords(sql, readable.map((record) => record.records), "reconcile");

  const latestByKey = new Map<string, TelCdrInterpretation>();
  for (const record of interpreted) latestByKey.set(record.recordKey, record);
  const raw = [...latestByKey.values()]
    .sort((a, b) => (a.recordKey < b.recordKey ? -1 : a.recordKey > b.recordKey ? 1 : 0))
    .map((record) => ({ recordKey: record.recordKey, sessionId: record.sessionId, body: record.body, status: record.ok ? "processed" : "failed", error: record.ok ? undefined : record.error }));
  if (raw.length > 0) {
    const keys = await sql.$queryRawUnsafe<{ record_key: string; first_seen_at: Date; inserted: boolean }[]>(
      CLAIM_KEYS_SQL,
      sdkAppId,
      toJsonRows(raw.map(({ recordKey }) => ({ recordKey }))),
    );
    const claimed = new Map(keys.map((key) => [key.record_key, key]));
    const rows = raw.map((record) => {
      const key = claimed.get(record.recordKey);
      if (!key) throw new Error(`tel_cdr_record_keys returned no row for ${record.recordKey}`);
      return { ...record, firstSeenAt: key.first_seen_at, inserted: key.inserted };
    });
    // toJsonRows, not JSON.stringify: a record may nest deeper than JSON.stringify's recursion goes
    await sql.$executeRawUnsafe(UPSERT_RAW_SQL, sdkAppId, runId, toJsonRows(rows));
  }

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

export type TelCdrRecordStatus = "processed" | "failed";

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
    const [stored] = await tx.$queryRaw<{ sdk_app_id: bigint; body: string }[]>`
      SELECT sdk_app_id, body::text AS body FROM tel_cdr_records WHERE id = ${id} FOR UPDATE`;
    if (!stored) throw new NotFoundError(`no DescribeTelCdr record with id ${id}`);
    const interpretation = interpretTelCdr(stored.sdk_app_id, JSON.parse(stored.body));
    const saved = interpretation.ok ? await saveCallRecords(tx, interpretation.records, "reconcile") : undefined;
    const status: TelCdrRecordStatus = interpretation.ok ? "processed" : "failed";
    const error = interpretation.ok ? null : interpretation.error;
    await tx.$executeRaw`
      UPDATE tel_cdr_records SET status = ${status}, error = ${error}, replay_count = replay_count + 1, last_replayed_at = now()
      WHERE id = ${id}`;
    return { id, status, error, recordingIdsToMirror: saved?.recordingIdsToMirror ?? [] };
  }, TRANSACTION_OPTIONS);
}
