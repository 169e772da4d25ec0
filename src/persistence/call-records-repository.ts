import { Prisma } from "../generated/prisma/client";
import type { CallRecords, ParticipantRow, RecordingRow, SessionRow } from "./call-records";
import type { Sql } from "./database";

/**
 * Merge-upserts of normalized call records. Each table is written with one `INSERT ... ON CONFLICT DO UPDATE`, so
 * concurrent writers of the same call (a push and a reconciliation, two retries) serialize on the row and both win:
 * a known value is replaced only by another known value, never by null, and a row is rewritten only when something
 * actually changed.
 */

export type CallSource = "push" | "reconcile";
export type SessionOutcome = "created" | "updated" | "unchanged" | "none";

export interface SaveOutcome {
  session: SessionOutcome;
  /** Recording rows that have a URL and still wait for the mirror. */
  recordingIdsToMirror: bigint[];
}

type ColumnTypes<Row> = Partial<Record<keyof Row, string>>;

interface TableSpec<Row> {
  table: string;
  keys: ColumnTypes<Row>;
  values: ColumnTypes<Row>;
  /** Written on insert only. */
  insertOnly?: Record<string, string>;
}

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

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

function toParameter(value: unknown, type: string): unknown {
  if (value === undefined || value === null) return null;
  return type === "jsonb" ? JSON.stringify(value) : value;
}

function mergeUpsert<Row extends object>(spec: TableSpec<Row>, rows: Row[], returning: string, insertOnly: Record<string, unknown> = {}): Prisma.Sql {
  const keyFields = Object.entries(spec.keys) as [keyof Row & string, string][];
  const valueFields = Object.entries(spec.values) as [keyof Row & string, string][];
  const allFields = [...keyFields, ...valueFields];
  const extra = Object.entries(insertOnly);

  const columnList = Prisma.raw([...allFields.map(([field]) => snakeCase(field)), ...extra.map(([column]) => column)].join(", "));
  const tuples = rows.map(
    (row) =>
      Prisma.sql`(${Prisma.join([
        ...allFields.map(([field, type]) => Prisma.sql`${toParameter(row[field], type)}::${Prisma.raw(type)}`),
        ...extra.map(([, value]) => Prisma.sql`${value}`),
      ])})`,
  );
  const merged = valueFields.map(([field]) => `COALESCE(EXCLUDED.${snakeCase(field)}, t.${snakeCase(field)})`);
  const current = valueFields.map(([field]) => `t.${snakeCase(field)}`);
  const assignments = valueFields.map(([field], index) => `${snakeCase(field)} = ${merged[index]}`);

  return Prisma.sql`
    INSERT INTO ${Prisma.raw(spec.table)} AS t (${columnList})
    VALUES ${Prisma.join(tuples)}
    ON CONFLICT (${Prisma.raw(keyFields.map(([field]) => snakeCase(field)).join(", "))}) DO UPDATE
      SET ${Prisma.raw(assignments.join(", "))}, updated_at = now()
      WHERE (${Prisma.raw(current.join(", "))}) IS DISTINCT FROM (${Prisma.raw(merged.join(", "))})
    RETURNING ${Prisma.raw(returning)}`;
}

export async function saveCallRecords(sql: Sql, records: CallRecords, source: CallSource): Promise<SaveOutcome> {
  let session: SessionOutcome = "none";
  if (records.session) {
    const rows = await sql.$queryRaw<{ inserted: boolean }[]>(
      mergeUpsert(sessionsTable, [records.session], "(xmax = 0) AS inserted", { source }),
    );
    session = rows.length === 0 ? "unchanged" : rows[0]?.inserted ? "created" : "updated";
  }
  if (records.participants.length > 0) {
    await sql.$executeRaw(mergeUpsert(participantsTable, records.participants, "id"));
  }
  const recordingIdsToMirror: bigint[] = [];
  if (records.recordings.length > 0) {
    const rows = await sql.$queryRaw<{ id: bigint; waiting: boolean }[]>(
      mergeUpsert(recordingsTable, records.recordings, "id, (record_url IS NOT NULL AND mirror_status = 'pending') AS waiting"),
    );
    for (const row of rows) if (row.waiting) recordingIdsToMirror.push(row.id);
  }
  return { session, recordingIdsToMirror };
}
