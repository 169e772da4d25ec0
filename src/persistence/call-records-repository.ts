import type { CallRecords, ParticipantRow, RecordingRow, SessionRow } from "./call-records";
import type { Sql } from "./database";
import { recordsetColumns, snakeCase, toJsonRows } from "./sql-json";

/**
 * Merge-upserts of normalized call records, any number of calls at once. Each table is written with one
 * `INSERT ... ON CONFLICT DO UPDATE`, so concurrent writers of the same call (a push and a reconciliation, two
 * retries) serialize on the row and both win: a known value is replaced only by another known value, never by null,
 * and a row is rewritten only when something actually changed. Rows are sorted by key so that concurrent batches lock
 * rows in the same order and cannot deadlock each other.
 */

export type CallSource = "push" | "reconcile";
export type SessionOutcome = "created" | "updated" | "unchanged";

export interface SaveOutcome {
  /** Per session key (`sdkAppId/sessionId`) of every session written. */
  sessions: Map<string, SessionOutcome>;
  /** Recording rows that have a URL and still wait for the mirror. */
  recordingIdsToMirror: bigint[];
}

interface TableSpec<Row> {
  table: string;
  keys: Partial<Record<keyof Row & string, string>>;
  values: Partial<Record<keyof Row & string, string>>;
}

const sessionsTable: TableSpec<SessionRow> = {
  table: "call_sessions",
  keys: { sdkAppId: "bigint", sessionId: "text" },
  values: {
    direction: "smallint",
    caller: "text",
    callee: "text",
    durationSec: "integer",
    ivrDurationSec: "integer",
    startAt: "timestamptz",
    ringAt: "timestamptz",
    acceptAt: "timestamptz",
    endedAt: "timestamptz",
    queuedAt: "timestamptz",
    endStatus: "text",
    endStatusCode: "integer",
    hungUpSide: "text",
    queuedSkillGroupId: "bigint",
    queuedSkillGroupName: "text",
    seatUserId: "text",
    seatUserName: "text",
    seatUserMail: "text",
    seatStaffNumber: "text",
    recordId: "text",
    uui: "text",
    userRemark: "text",
    callerLocation: "text",
    telCountry: "text",
    telProvince: "text",
    telCity: "text",
    telOperator: "text",
    ivrKeyPressed: "jsonb",
    postIvrKeyPressed: "jsonb",
    asrUrl: "text",
    protectedCaller: "text",
    protectedCallee: "text",
    remark: "text",
  },
};

const participantsTable: TableSpec<ParticipantRow> = {
  table: "call_participants",
  keys: { sdkAppId: "bigint", sessionId: "text", sequence: "integer" },
  values: {
    mail: "text",
    phone: "text",
    type: "text",
    recordId: "text",
    skillGroupId: "bigint",
    skillGroupName: "text",
    skillGroupPriority: "integer",
    transferFrom: "text",
    transferFromType: "text",
    transferTo: "text",
    transferToType: "text",
    endStatus: "text",
    startAt: "timestamptz",
    ringAt: "timestamptz",
    acceptAt: "timestamptz",
    endedAt: "timestamptz",
  },
};

const recordingsTable: TableSpec<RecordingRow> = {
  table: "recordings",
  keys: { sdkAppId: "bigint", sessionId: "text", kind: "text", trackKey: "text" },
  values: {
    recordId: "text",
    endpointUser: "text",
    recordUrl: "text",
    customRecordUrl: "text",
    recordedAt: "timestamptz",
  },
};

/** Built once per table: the statement text never changes, only its one JSON parameter. */
function mergeUpsertSql<Row>(spec: TableSpec<Row>, returning: string, insertOnly: Record<string, string> = {}): string {
  const keys = Object.keys(spec.keys);
  const values = Object.keys(spec.values);
  const extra = Object.entries(insertOnly);
  const merged = values.map((field) => `COALESCE(EXCLUDED.${snakeCase(field)}, t.${snakeCase(field)})`);
  return `
    INSERT INTO ${spec.table} AS t (${[...keys, ...values].map(snakeCase).join(", ")}${extra.map(([column]) => `, ${column}`).join("")})
    SELECT ${[...keys, ...values].map((field) => `r."${field}"`).join(", ")}${extra.map(([, expression]) => `, ${expression}`).join("")}
    FROM json_to_recordset($1::json) AS r(${recordsetColumns({ ...spec.keys, ...spec.values } as Record<string, string>)})
    ON CONFLICT (${keys.map(snakeCase).join(", ")}) DO UPDATE
      SET ${values.map((field, index) => `${snakeCase(field)} = ${merged[index]}`).join(", ")}, updated_at = now()
      WHERE (${values.map((field) => `t.${snakeCase(field)}`).join(", ")}) IS DISTINCT FROM (${merged.join(", ")})
    RETURNING ${returning}`;
}

const upsertSessionsSql = mergeUpsertSql(sessionsTable, "sdk_app_id::text AS sdk_app_id, session_id, (xmax = 0) AS inserted", { source: "$2" });
const upsertParticipantsSql = mergeUpsertSql(participantsTable, "id");
const upsertRecordingsSql = mergeUpsertSql(recordingsTable, "id, (record_url IS NOT NULL AND mirror_status = 'pending') AS waiting");

export const sessionKey = (row: { sdkAppId: bigint; sessionId: string }) => `${row.sdkAppId}/${row.sessionId}`;

/**
 * Folds rows that share a key into one, later rows winning where they know a value: a statement may not upsert the
 * same row twice, and the result equals writing them one after the other. Sorted by key for the lock order.
 */
function mergeByKey<Row extends object>(spec: TableSpec<Row>, rows: Row[]): Row[] {
  const keyFields = Object.keys(spec.keys) as (keyof Row)[];
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    const key = keyFields.map((field) => String(row[field])).join("\u0000");
    const known = byKey.get(key);
    byKey.set(key, known ? { ...known, ...withoutUndefined(row) } : row);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

function withoutUndefined<T extends object>(row: T): Partial<T> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export async function saveCallRecords(sql: Sql, calls: CallRecords | CallRecords[], source: CallSource): Promise<SaveOutcome> {
  const batch = Array.isArray(calls) ? calls : [calls];
  const sessions = mergeByKey(sessionsTable, batch.flatMap((call) => (call.session ? [call.session] : [])));
  const participants = mergeByKey(participantsTable, batch.flatMap((call) => call.participants));
  const recordings = mergeByKey(recordingsTable, batch.flatMap((call) => call.recordings));

  const outcome: SaveOutcome = { sessions: new Map(), recordingIdsToMirror: [] };
  if (sessions.length > 0) {
    for (const session of sessions) outcome.sessions.set(sessionKey(session), "unchanged");
    const written = await sql.$queryRawUnsafe<{ sdk_app_id: string; session_id: string; inserted: boolean }[]>(
      upsertSessionsSql,
      toJsonRows(sessions),
      source,
    );
    for (const row of written) outcome.sessions.set(`${row.sdk_app_id}/${row.session_id}`, row.inserted ? "created" : "updated");
  }
  if (participants.length > 0) {
    await sql.$executeRawUnsafe(upsertParticipantsSql, toJsonRows(participants));
  }
  if (recordings.length > 0) {
    const rows = await sql.$queryRawUnsafe<{ id: bigint; waiting: boolean }[]>(upsertRecordingsSql, toJsonRows(recordings));
    for (const row of rows) if (row.waiting) outcome.recordingIdsToMirror.push(row.id);
  }
  return outcome;
}
