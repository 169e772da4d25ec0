import type { CallRecords, ParticipantRow, RecordingRow, SessionRow } from "../tccc/call-records";
import { runStatement, type PreparedStatement, type StatementRunner } from "./database";
import { recordsetColumns, snakeCase, toJsonRows } from "./sql-json";

/**
 * Merge-upserts of normalized call records, any number of calls at once. Each table is written with one
 * `INSERT ... ON CONFLICT DO UPDATE`, so concurrent writers of the same call (a push and a reconciliation, two
 * retries) serialize on the row and both win, and a row is rewritten only when something actually changed. Rows are
 * sorted by key so that concurrent batches lock rows in the same order and cannot deadlock each other.
 *
 * Who wins, column by column (docs/data-dictionary.md, "Who wins"), whatever order the writes arrive in:
 * - an unknown value (null) never erases a known one;
 * - a push beats DescribeTelCdr: a value a push gave stays, the API fills only what no push gave. `pushed_fields`
 *   records, one bit per column, which values a push gave, so that a push arriving after the API still replaces the
 *   API's value and an API read after the push leaves it alone;
 * - within one source a later known value replaces an earlier one (a re-sent CDR, a later API read), except for
 *   recording URLs, where the greater one in byte order wins, so that a pending track's source never depends on
 *   which of two deliveries came last;
 * - a track already mirrored keeps the URLs it was mirrored from.
 */

export type CallSource = "push" | "reconcile";
export type SessionOutcome = "created" | "updated" | "unchanged";

export interface SaveOutcome {
  /**
   * Per session key (`sdkAppId/sessionId`) of every session written: created, updated (the session, one of its legs
   * or one of its tracks changed) or unchanged.
   */
  sessions: Map<string, SessionOutcome>;
  /** Recording rows that have a URL and still wait for the mirror. */
  recordingIdsToMirror: bigint[];
}

interface ColumnSpec {
  type: string;
  /**
   * Set for every column a push writes: its bit in `pushed_fields`. Bits are stored in rows, so a column keeps its
   * bit forever; a new column takes an unused one. A column without a bit is written by DescribeTelCdr alone.
   */
  pushBit?: number;
  /** Within one source the greater value (byte order) wins rather than the later one. */
  merge?: "greatest";
}

interface TableSpec<Row> {
  table: string;
  keys: Partial<Record<keyof Row & string, string>>;
  columns: Partial<Record<keyof Row & string, ColumnSpec>>;
  /** While the stored row `t` meets this SQL condition, these columns keep their value whatever is written. */
  frozen?: { when: string; fields: (keyof Row & string)[] };
}

/** A table spec with its field names checked against the row type, then used by name. */
export interface Table {
  table: string;
  keys: Record<string, string>;
  columns: Record<string, ColumnSpec>;
  frozen?: { when: string; fields: string[] };
}

/** Bits travel as JSON numbers: exact below 2^53. */
function defineTable<Row>(spec: TableSpec<Row>): Table {
  const table = spec as Table;
  const bits = Object.values(table.columns).flatMap((column) => (column.pushBit === undefined ? [] : [column.pushBit]));
  if (new Set(bits).size !== bits.length || bits.some((bit) => bit < 0 || bit > 52)) throw new Error(`${spec.table}: push bits must be distinct and within 0..52`);
  return table;
}

const sessionsTable = defineTable<SessionRow>({
  table: "call_sessions",
  keys: { sdkAppId: "bigint", sessionId: "text" },
  columns: {
    direction: { type: "smallint", pushBit: 0 },
    caller: { type: "text", pushBit: 1 },
    callee: { type: "text", pushBit: 2 },
    durationSec: { type: "integer", pushBit: 3 },
    ivrDurationSec: { type: "integer", pushBit: 4 },
    startAt: { type: "timestamptz", pushBit: 5 },
    ringAt: { type: "timestamptz", pushBit: 6 },
    acceptAt: { type: "timestamptz", pushBit: 7 },
    endedAt: { type: "timestamptz", pushBit: 8 },
    queuedAt: { type: "timestamptz", pushBit: 9 },
    endStatus: { type: "text", pushBit: 10 },
    hungUpSide: { type: "text", pushBit: 11 },
    queuedSkillGroupId: { type: "bigint", pushBit: 12 },
    queuedSkillGroupName: { type: "text", pushBit: 13 },
    seatUserId: { type: "text", pushBit: 14 },
    seatUserName: { type: "text", pushBit: 15 },
    seatUserMail: { type: "text", pushBit: 16 },
    seatStaffNumber: { type: "text", pushBit: 17 },
    recordId: { type: "text", pushBit: 18 },
    uui: { type: "text", pushBit: 19 },
    userRemark: { type: "text", pushBit: 20 },
    callerLocation: { type: "text", pushBit: 21 },
    telCountry: { type: "text", pushBit: 22 },
    telProvince: { type: "text", pushBit: 23 },
    telCity: { type: "text", pushBit: 24 },
    telOperator: { type: "text", pushBit: 25 },
    ivrKeyPressed: { type: "jsonb", pushBit: 26 },
    postIvrKeyPressed: { type: "jsonb", pushBit: 27 },
    surveyKeys: { type: "text[]", pushBit: 28 },
    surveyLabels: { type: "text[]", pushBit: 29 },
    seatUserNick: { type: "text", pushBit: 30 },
    seatUserPhone: { type: "text", pushBit: 31 },
    seatSkillGroupNames: { type: "text[]", pushBit: 32 },
    initiatedAt: { type: "timestamptz" },
    callType: { type: "smallint" },
    endStatusCode: { type: "integer" },
    skillGroup: { type: "text" },
    skillGroupId: { type: "bigint" },
    seatUserRole: { type: "integer" },
    seatExtensionNumber: { type: "text" },
    asrUrl: { type: "text" },
    asrStatus: { type: "text" },
    protectedCaller: { type: "text" },
    protectedCallee: { type: "text" },
    remark: { type: "text" },
    voicemailAsrUrls: { type: "text[]" },
    aiAgentId: { type: "bigint" },
    aiAgentName: { type: "text" },
    sysHangupReason: { type: "integer" },
    sysHangupReasonString: { type: "text" },
  },
});

const participantsTable = defineTable<ParticipantRow>({
  table: "call_participants",
  keys: { sdkAppId: "bigint", sessionId: "text", sequence: "integer" },
  columns: {
    mail: { type: "text", pushBit: 0 },
    phone: { type: "text", pushBit: 1 },
    type: { type: "text", pushBit: 2 },
    recordId: { type: "text", pushBit: 3 },
    skillGroupId: { type: "bigint", pushBit: 4 },
    skillGroupName: { type: "text", pushBit: 5 },
    skillGroupPriority: { type: "integer", pushBit: 6 },
    transferFrom: { type: "text", pushBit: 7 },
    transferFromType: { type: "text", pushBit: 8 },
    transferTo: { type: "text", pushBit: 9 },
    transferToType: { type: "text", pushBit: 10 },
    endStatus: { type: "text", pushBit: 11 },
    startAt: { type: "timestamptz", pushBit: 12 },
    ringAt: { type: "timestamptz", pushBit: 13 },
    acceptAt: { type: "timestamptz", pushBit: 14 },
    endedAt: { type: "timestamptz", pushBit: 15 },
  },
});

const recordingsTable = defineTable<RecordingRow>({
  table: "recordings",
  keys: { sdkAppId: "bigint", sessionId: "text", kind: "text", trackKey: "text" },
  columns: {
    recordId: { type: "text", pushBit: 0 },
    endpointUser: { type: "text", pushBit: 1 },
    recordUrl: { type: "text", pushBit: 2, merge: "greatest" },
    customRecordUrl: { type: "text", pushBit: 3, merge: "greatest" },
    recordedAt: { type: "timestamptz", pushBit: 4 },
  },
  // the object in storage was copied from these: a later URL must not make the row describe another copy
  frozen: { when: "t.mirror_status = 'mirrored'", fields: ["recordUrl", "customRecordUrl"] },
});

/** The tables the merge-upserts write, for the test that checks their columns and types against schema.prisma. */
export const MERGED_TABLES: readonly Table[] = [sessionsTable, participantsTable, recordingsTable];

const bitMask = (bits: number[]) => bits.reduce((mask, bit) => mask + 2 ** bit, 0);

/**
 * The new value of one column on conflict: `t` is the stored row, EXCLUDED what is written. A push's value wins over
 * the API's; within a source the later known value (or, for `greatest`, the greater one) wins.
 */
function mergedColumn(spec: Table, field: string, source: CallSource): string {
  const column = spec.columns[field] as ColumnSpec;
  const stored = `t.${snakeCase(field)}`;
  const incoming = `EXCLUDED.${snakeCase(field)}`;
  const latest = `COALESCE(${incoming}, ${stored})`;
  const greatest = `GREATEST(${incoming} COLLATE "C", ${stored} COLLATE "C")`;
  const storedIsPushed = column.pushBit === undefined ? undefined : `(t.pushed_fields & ${2 ** column.pushBit}::bigint) <> 0`;
  let merged: string;
  if (source === "push") {
    // over the API's value the push always wins; over another push's value the source's own rule decides
    merged = column.merge === "greatest" && storedIsPushed ? `CASE WHEN ${storedIsPushed} THEN ${greatest} ELSE ${latest} END` : latest;
  } else {
    const withinSource = column.merge === "greatest" ? greatest : latest;
    merged = storedIsPushed ? `CASE WHEN ${storedIsPushed} THEN ${stored} ELSE ${withinSource} END` : withinSource;
  }
  return spec.frozen?.fields.includes(field) ? `CASE WHEN ${spec.frozen.when} THEN ${stored} ELSE ${merged} END` : merged;
}

/**
 * The merge-upsert of one table, a data-modifying CTE of the statement that writes all three: its rows come in the
 * JSON parameter `rows`.
 */
function mergeUpsertSql(spec: Table, source: CallSource, rows: string, returning: string, insertOnly: Record<string, string> = {}): string {
  const keys = Object.keys(spec.keys);
  const fields = Object.keys(spec.columns);
  const types: Record<string, string> = { ...spec.keys };
  for (const [field, column] of Object.entries(spec.columns)) types[field] = column.type;
  if (source === "push") types.pushedFields = "bigint";
  const extra = Object.entries({ pushed_fields: source === "push" ? `r."pushedFields"` : "0", ...insertOnly });

  const assignments = fields.map((field) => [snakeCase(field), mergedColumn(spec, field, source)] as const);
  if (source === "push") {
    const frozenBits = bitMask((spec.frozen?.fields ?? []).flatMap((field) => spec.columns[field]?.pushBit ?? []));
    // a frozen column keeps its value, so the push did not give it: its bit is not set
    const taken = spec.frozen && frozenBits > 0 ? `(EXCLUDED.pushed_fields & ~(CASE WHEN ${spec.frozen.when} THEN ${frozenBits}::bigint ELSE 0 END))` : "EXCLUDED.pushed_fields";
    assignments.push(["pushed_fields", `t.pushed_fields | ${taken}`]);
  }
  return `
    INSERT INTO ${spec.table} AS t (${[...keys, ...fields].map(snakeCase).join(", ")}, ${extra.map(([column]) => column).join(", ")})
    SELECT ${[...keys, ...fields].map((field) => `r."${field}"`).join(", ")}, ${extra.map(([, expression]) => expression).join(", ")}
    FROM json_to_recordset(${rows}::json) AS r(${recordsetColumns(types)})
    ON CONFLICT (${keys.map(snakeCase).join(", ")}) DO UPDATE
      SET ${assignments.map(([column, expression]) => `${column} = ${expression}`).join(", ")}, updated_at = now()
      WHERE (${assignments.map(([column]) => `t.${column}`).join(", ")}) IS DISTINCT FROM (${assignments.map(([, expression]) => expression).join(", ")})
    RETURNING ${returning}`;
}

/**
 * Built once per source: the three tables in one statement (one round trip), as data-modifying CTEs. They write
 * different tables, so none needs to see another's rows; the tables have no foreign keys between them. The answer
 * is one row per row written (inserted or changed), named by its table.
 */
function saveCallRecordsSql(source: CallSource): string {
  const CALL_KEY = "sdk_app_id::text AS sdk_app_id, session_id";
  return `
    WITH sessions AS (${mergeUpsertSql(sessionsTable, source, "$1", `${CALL_KEY}, (xmax = 0) AS inserted`, { source: "$4" })}
    ), participants AS (${mergeUpsertSql(participantsTable, source, "$2", CALL_KEY)}
    ), recordings AS (${mergeUpsertSql(recordingsTable, source, "$3", `id, ${CALL_KEY}, (record_url IS NOT NULL AND mirror_status = 'pending') AS waiting`)}
    )
    SELECT 'sessions' AS written, sdk_app_id, session_id, inserted, NULL::bigint AS id, NULL::boolean AS waiting FROM sessions
    UNION ALL SELECT 'participants', sdk_app_id, session_id, NULL, NULL, NULL FROM participants
    UNION ALL SELECT 'recordings', sdk_app_id, session_id, NULL, id, waiting FROM recordings`;
}

const statements: Record<CallSource, string> = { push: saveCallRecordsSql("push"), reconcile: saveCallRecordsSql("reconcile") };

interface WrittenRow {
  written: "sessions" | "participants" | "recordings";
  sdk_app_id: string;
  session_id: string;
  inserted: boolean | null;
  id: bigint | null;
  waiting: boolean | null;
}

export const sessionKey = (row: { sdkAppId: bigint; sessionId: string }) => `${row.sdkAppId}/${row.sessionId}`;
const returnedKey = (row: { sdk_app_id: string; session_id: string }) => `${row.sdk_app_id}/${row.session_id}`;

/** Byte order of the UTF-8 text, as PostgreSQL's "C" collation compares. */
const greaterInByteOrder = (a: string, b: string) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) >= 0 ? a : b);

/**
 * Folds rows that share a key into one by the same rules as the statement (a statement may not upsert the same row
 * twice, and the result must equal writing them one after the other), sorted by key for the lock order.
 */
function mergeByKey<Row extends object>(spec: Table, rows: Row[]): Row[] {
  const keyFields = Object.keys(spec.keys) as (keyof Row)[];
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    const key = keyFields.map((field) => String(row[field])).join("\u0000");
    const known = byKey.get(key);
    if (!known) {
      // a copy, since the statement's rows are extended (pushedFields) and the caller's are not ours to change
      byKey.set(key, Object.assign({}, row));
      continue;
    }
    const merged = Object.assign({}, known, withoutUndefined(row)) as Record<string, unknown>;
    for (const [field, column] of Object.entries(spec.columns)) {
      const [before, after] = [(known as Record<string, unknown>)[field], (row as Record<string, unknown>)[field]];
      if (column.merge === "greatest" && typeof before === "string" && typeof after === "string") merged[field] = greaterInByteOrder(before, after);
    }
    byKey.set(key, merged as Row);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

function withoutUndefined<T extends object>(row: T): Partial<T> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A pushed row with the bits of the columns it knows. */
function withPushedFields<Row extends object>(spec: Table, row: Row): Row & { pushedFields: number } {
  const bits = Object.entries(spec.columns).flatMap(([field, column]) =>
    column.pushBit !== undefined && (row as Record<string, unknown>)[field] !== undefined ? [column.pushBit] : [],
  );
  // assigned, not spread (see call-records.ts on wide objects), to the copy mergeByKey made
  return Object.assign(row, { pushedFields: bitMask(bits) });
}

function rowsParameter<Row extends object>(spec: Table, rows: Row[], source: CallSource): string {
  return toJsonRows(source === "push" ? rows.map((row) => withPushedFields(spec, row)) : rows);
}

/** Merges the calls' rows into the three tables (see mergeUpsertSql), as one statement; none when there are no rows. */
export function callRecordsStatement(calls: CallRecords | CallRecords[], source: CallSource): PreparedStatement<SaveOutcome> | undefined {
  const batch = Array.isArray(calls) ? calls : [calls];
  const sessions = mergeByKey(sessionsTable, batch.flatMap((call) => (call.session ? [call.session] : [])));
  const participants = mergeByKey(participantsTable, batch.flatMap((call) => call.participants));
  const recordings = mergeByKey(recordingsTable, batch.flatMap((call) => call.recordings));
  if (sessions.length + participants.length + recordings.length === 0) return undefined;
  return {
    text: statements[source],
    values: [rowsParameter(sessionsTable, sessions, source), rowsParameter(participantsTable, participants, source), rowsParameter(recordingsTable, recordings, source), source],
    read(rows) {
      const outcome: SaveOutcome = { sessions: new Map(), recordingIdsToMirror: [] };
      for (const session of sessions) outcome.sessions.set(sessionKey(session), "unchanged");
      const changedCalls = new Set<string>();
      for (const row of rows as WrittenRow[]) {
        if (row.written === "sessions") outcome.sessions.set(returnedKey(row), row.inserted ? "created" : "updated");
        else changedCalls.add(returnedKey(row));
        if (row.waiting) outcome.recordingIdsToMirror.push(row.id as bigint);
      }
      for (const key of changedCalls) if (outcome.sessions.get(key) === "unchanged") outcome.sessions.set(key, "updated");
      return outcome;
    },
  };
}

export async function saveCallRecords(sql: StatementRunner, calls: CallRecords | CallRecords[], source: CallSource): Promise<SaveOutcome> {
  const statement = callRecordsStatement(calls, source);
  return statement ? runStatement(sql, statement) : { sessions: new Map(), recordingIdsToMirror: [] };
}
