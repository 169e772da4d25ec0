import type { Logger } from "../logging/logger";
import type { Metrics } from "../observability/metrics";
import type { Database, Sql } from "../persistence/database";
import { countFailedPushesOfPartition } from "../persistence/push-inbox-repository";

/**
 * push_inbox and tel_cdr_records grow by about 110 million rows a year at 100,000 calls a day. Both are partitioned
 * by month (UTC) on their receive time, with a DEFAULT partition that takes whatever no month partition covers, so an
 * insert never fails. This module creates the month partitions ahead, and drops those older than the retention, after
 * moving their still-failed rows into the DEFAULT partition (where admins still see and replay them). The unique key
 * of each table lives in its keys table (push_keys, tel_cdr_record_keys), which is not partitioned.
 *
 * Every name below is a constant or made of digits: the statements built from them carry no input.
 */
export interface HistoryTable {
  table: "push_inbox" | "tel_cdr_records";
  partitionKey: string;
  keysTable: string;
  keyColumns: string[];
  /** Keeps the table's counters exact when a partition's rows enter (1) or leave (-1) it without row triggers. */
  countPartitionRows?: (tx: Sql, partition: string, sign: 1 | -1) => Promise<void>;
}

export const PUSH_INBOX: HistoryTable = {
  table: "push_inbox",
  partitionKey: "received_at",
  keysTable: "push_keys",
  keyColumns: ["push_uuid"],
  countPartitionRows: countFailedPushesOfPartition,
};
export const TEL_CDR_RECORDS: HistoryTable = {
  table: "tel_cdr_records",
  partitionKey: "first_seen_at",
  keysTable: "tel_cdr_record_keys",
  keyColumns: ["sdk_app_id", "record_key"],
};

/** Rows of a dropped month that retention keeps: those an admin has not dealt with. */
const KEPT_ROWS = "status = 'failed'";
/** Months created ahead of the current one, so that a month never starts without its partition. */
export const MONTHS_AHEAD = 2;
const KEY_DELETE_BATCH = 10_000;
/**
 * Moving a month out of the DEFAULT partition (after the upgrade to partitions: millions of rows) takes minutes, far
 * beyond an interactive transaction's default 5 s.
 */
const DDL_TRANSACTION = { maxWait: 10_000, timeout: 3_600_000 } as const;
/** DDL on the parent waits at most this long for queries in flight, rather than hold every push up behind it. */
const LOCK_TIMEOUT = "5s";

const monthStart = (moment: Date) => new Date(Date.UTC(moment.getUTCFullYear(), moment.getUTCMonth(), 1));
const addMonths = (month: Date, count: number) => new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + count, 1));
const defaultPartition = (history: HistoryTable) => `${history.table}_default`;
export const partitionName = (history: HistoryTable, month: Date) =>
  `${history.table}_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`;

/**
 * Serializes the partition DDL of one table across processes (instances starting together, two workers' runs), for
 * the rest of the transaction; then says whether the partition exists. DDL waits at most LOCK_TIMEOUT for other locks.
 */
async function lockAndCheckExists(tx: Sql, history: HistoryTable, partition: string): Promise<boolean> {
  await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('history-partitions'), hashtext($1))`, history.table);
  const [row] = await tx.$queryRawUnsafe<{ exists: boolean }[]>(`SELECT to_regclass($1) IS NOT NULL AS exists`, partition);
  return row?.exists ?? false;
}

/** The month partitions attached to the table, oldest first. */
export async function listMonthPartitions(sql: Sql, history: HistoryTable): Promise<{ name: string; month: Date }[]> {
  const rows = await sql.$queryRawUnsafe<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
    history.table,
  );
  const pattern = new RegExp(`^${history.table}_y(\\d{4})m(\\d{2})$`);
  return rows
    .flatMap(({ name }) => {
      const match = pattern.exec(name);
      return match ? [{ name, month: new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) }] : [];
    })
    .sort((a, b) => a.month.getTime() - b.month.getTime());
}

/**
 * Creates the partition of the month holding `moment` unless it exists, moving into it the rows of that month the
 * DEFAULT partition took meanwhile. Safe to run from several processes at once.
 */
export async function ensureMonthPartition(
  prisma: Database,
  history: HistoryTable,
  moment: Date,
  options: { unlessRetired?: boolean } = {},
): Promise<{ created: boolean; movedRows: number }> {
  const month = monthStart(moment);
  const name = partitionName(history, month);
  const [from, to] = [month.toISOString(), addMonths(month, 1).toISOString()];
  return prisma.$transaction(async (tx) => {
    if (await lockAndCheckExists(tx, history, name)) return { created: false, movedRows: 0 };
    // a month found stranded may have been dropped by another process's retention since (it held this lock): its
    // rows in the DEFAULT partition are then the failed pushes retention keeps, and the month must stay dropped
    if (options.unlessRetired) {
      const [oldest] = await listMonthPartitions(tx, history);
      if (oldest && month < oldest.month) return { created: false, movedRows: 0 };
    }
    await tx.$executeRawUnsafe(`CREATE TABLE ${name} (LIKE ${history.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    // no insert may reach the DEFAULT partition for this month between the move and the attach
    await tx.$executeRawUnsafe(`LOCK TABLE ${defaultPartition(history)} IN EXCLUSIVE MODE`);
    const movedRows = await tx.$executeRawUnsafe(
      `WITH moved AS (DELETE FROM ${defaultPartition(history)} WHERE ${history.partitionKey} >= $1::timestamptz AND ${history.partitionKey} < $2::timestamptz RETURNING *)
       INSERT INTO ${name} SELECT * FROM moved`,
      from,
      to,
    );
    // attaching builds the table's indexes from the partitioned ones (and clones its triggers); the rows' deletion
    // from the DEFAULT partition fired them, their return by the attach does not
    await tx.$executeRawUnsafe(`ALTER TABLE ${history.table} ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
    await history.countPartitionRows?.(tx, name, 1);
    return { created: true, movedRows };
  }, DDL_TRANSACTION);
}

/**
 * The months that need a partition: this one and MONTHS_AHEAD after it, and every month of rows in the DEFAULT
 * partition that is not older than the oldest month partition (older ones are rows retention kept; after the
 * migration to partitions, when there is no month partition yet, every month of the DEFAULT partition).
 */
export async function ensurePartitions(prisma: Database, history: HistoryTable, now: Date, logger: Logger): Promise<string[]> {
  const [oldest] = await listMonthPartitions(prisma, history);
  const stranded = await prisma.$queryRawUnsafe<{ month: Date }[]>(
    `SELECT DISTINCT date_trunc('month', ${history.partitionKey} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
     FROM ${defaultPartition(history)} WHERE $1::timestamptz IS NULL OR ${history.partitionKey} >= $1::timestamptz`,
    oldest?.month ?? null,
  );
  const current = monthStart(now);
  const months = [...stranded.map((row) => row.month), ...Array.from({ length: MONTHS_AHEAD + 1 }, (_, index) => addMonths(current, index))];
  const created: string[] = [];
  for (const month of [...new Set(months.map((month) => month.getTime()))].sort((a, b) => a - b).map((time) => new Date(time))) {
    // the months before this one are there only because rows of theirs were found in the DEFAULT partition
    const result = await ensureMonthPartition(prisma, history, month, { unlessRetired: month < current });
    if (!result.created) continue;
    created.push(partitionName(history, month));
    logger.info({ table: history.table, partition: partitionName(history, month), movedRows: result.movedRows }, "created a month partition");
  }
  return created;
}

export interface RetentionOutcome {
  droppedPartitions: string[];
  droppedRows: number;
  keptRows: number;
}

/**
 * Drops the month partitions that end before `cutoff`. Their failed rows are first moved into the DEFAULT partition
 * (same ids, same receive time), where the admin lists, replay and the metrics still find them; once replayed (no
 * longer failed) they go at a later run. The keys of the rows that went are deleted too. Never touches other tables.
 */
export async function applyRetention(
  prisma: Database,
  history: HistoryTable,
  cutoff: Date,
  logger: Logger,
  metrics?: Pick<Metrics, "historyPartitionsDropped" | "historyRowsDropped" | "historyRowsKept">,
): Promise<RetentionOutcome> {
  const outcome: RetentionOutcome = { droppedPartitions: [], droppedRows: 0, keptRows: 0 };
  const partitions = await listMonthPartitions(prisma, history);
  // the current month always stays: its partition ends after any cutoff up to now
  for (const { name, month } of partitions.filter((partition) => addMonths(partition.month, 1) <= cutoff)) {
    // counted before the lock is taken: nothing is added to a month that is over, and counting a month takes seconds
    const [counted] = await prisma.$queryRawUnsafe<{ rows: bigint }[]>(`SELECT count(*) AS rows FROM ${name}`);
    const keptRows = await prisma.$transaction(async (tx) => {
      // another worker's run may have dropped it meanwhile
      if (!(await lockAndCheckExists(tx, history, name))) return undefined;
      await tx.$executeRawUnsafe(`ALTER TABLE ${history.table} DETACH PARTITION ${name}`);
      // the detach takes the rows out without a row trigger, the insert below brings the kept ones back with one
      await history.countPartitionRows?.(tx, name, -1);
      // no partition covers the month any more: the kept rows land in the DEFAULT one
      const kept = await tx.$executeRawUnsafe(`INSERT INTO ${history.table} SELECT * FROM ${name} WHERE ${KEPT_ROWS}`);
      await tx.$executeRawUnsafe(`DROP TABLE ${name}`);
      return kept;
    }, DDL_TRANSACTION);
    if (keptRows === undefined) continue;
    const droppedRows = Number(counted?.rows ?? 0) - keptRows;
    outcome.droppedPartitions.push(name);
    outcome.droppedRows += droppedRows;
    outcome.keptRows += keptRows;
    metrics?.historyPartitionsDropped.inc({ table: history.table });
    metrics?.historyRowsDropped.inc({ table: history.table }, droppedRows);
    metrics?.historyRowsKept.inc({ table: history.table }, keptRows);
    logger.info({ table: history.table, partition: name, month: month.toISOString().slice(0, 7), droppedRows, keptRows }, "retention dropped a month partition");
  }

  // what was kept and has been dealt with since (replayed successfully) goes now
  const dealtWith = await prisma.$executeRawUnsafe(
    `DELETE FROM ${defaultPartition(history)} WHERE ${history.partitionKey} < $1::timestamptz AND NOT (${KEPT_ROWS})`,
    cutoff,
  );
  if (dealtWith > 0) {
    outcome.droppedRows += dealtWith;
    metrics?.historyRowsDropped.inc({ table: history.table }, dealtWith);
    logger.info({ table: history.table, droppedRows: dealtWith }, "retention removed kept rows that are no longer failed");
  }
  await deleteOrphanKeys(prisma, history);
  return outcome;
}

/**
 * Keys older than the oldest month partition whose row is gone. In batches, outside the DDL's transaction: a key
 * left behind by a stopped run only makes a (months late) retry of its push count as a duplicate, and goes next time.
 */
async function deleteOrphanKeys(sql: Sql, history: HistoryTable): Promise<number> {
  const [oldest] = await listMonthPartitions(sql, history);
  if (!oldest) return 0;
  const sameKey = history.keyColumns.map((column) => `d.${column} = k.${column}`).join(" AND ");
  let deleted = 0;
  for (;;) {
    const batch = await sql.$executeRawUnsafe(
      `DELETE FROM ${history.keysTable} WHERE ctid = ANY(ARRAY(
         SELECT k.ctid FROM ${history.keysTable} k
         WHERE k.${history.partitionKey} < $1::timestamptz
           AND NOT EXISTS (SELECT 1 FROM ${defaultPartition(history)} d WHERE ${sameKey} AND d.${history.partitionKey} = k.${history.partitionKey})
         LIMIT ${KEY_DELETE_BATCH}))`,
      oldest.month,
    );
    deleted += batch;
    if (batch < KEY_DELETE_BATCH) return deleted;
  }
}
