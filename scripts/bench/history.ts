/**
 * bench:history — do the admin lists, the status and metrics queries, the sweeps and one push stay fast over years of
 * data? Fills a database of its own (BENCH_HISTORY_DATABASE_URL) with BENCH_HISTORY_PUSHES push_inbox rows (10
 * million) over the last year, BENCH_HISTORY_SESSIONS call sessions (3 million) with as many recordings and API
 * records, using generate_series, then times every query with the indexes this version adds and without them
 * (dropped inside a transaction that is rolled back), interleaved, BENCH_HISTORY_RUNS times (median), and says
 * whether EXPLAIN shows a sequential scan of a large table. BENCH_HISTORY_KEEP=1 reuses a filled database.
 */
import { execSync } from "node:child_process";
import pg from "pg";
import { ensureMonthPartition, PUSH_INBOX, TEL_CDR_RECORDS } from "../../src/history/history-partitions";
import { createPushAdminService, type PushFilter } from "../../src/admin/push-admin-service";
import { createLogger } from "../../src/logging/logger";
import { readOperationalStatus } from "../../src/observability/operational-status";
import { openDatabase } from "../../src/persistence/database";
import { applyPendingMigrations } from "../../src/persistence/migrations/migrations";
import { insertPushesOrCountDuplicates } from "../../src/persistence/push-inbox-repository";
import { recreateDatabase } from "./bench-databases";

const DATABASE_URL = process.env.BENCH_HISTORY_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tccc_bench_history";
const PUSHES = Number(process.env.BENCH_HISTORY_PUSHES ?? 10_000_000);
const SESSIONS = Number(process.env.BENCH_HISTORY_SESSIONS ?? 3_000_000);
const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 3);
const APPS = 20;
const YEAR_SEC = 365 * 86_400;
/** The indexes this version adds for the queries below; "without" drops them inside a transaction rolled back. */
const NEW_INDEXES = [
  "push_inbox_received_at_idx",
  "push_inbox_sdk_app_id_received_at_idx",
  "push_inbox_status_sdk_app_id_received_at_idx",
  "push_inbox_failed_session_id_idx",
  "tel_cdr_records_last_seen_at_idx",
  "tel_cdr_records_sdk_app_id_last_seen_at_idx",
  "recordings_mirror_status_updated_at_idx",
  "recordings_mirror_backlog_idx",
  "reconcile_runs_status_id_idx",
];

interface Query {
  name: string;
  sql: string;
  params?: unknown[];
}

const APP = 1_400_000_003;
/** A push of the fill that failed (i % 97 = 7), half way through the year. */
const FAILED_PUSH = Math.floor(PUSHES / 2 / 97) * 97 + 7;
const PUSH_COLUMNS = "id, push_uuid, action, sdk_app_id, session_id, body, status, error, duplicate_count, replay_count, received_at, processed_at, last_duplicate_at, last_replayed_at";
const RECORD_COLUMNS = "id, sdk_app_id, record_key, session_id, status, error, first_seen_at, last_seen_at, last_run_id, replay_count, last_replayed_at";
/** What the service sends, in the shape Prisma gives it (admin lists) or as written in src (raw SQL). */
const QUERIES: Query[] = [
  { name: "admin pushes: newest 100", sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox ORDER BY received_at DESC LIMIT 100` },
  { name: "admin pushes: failed", sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox WHERE status = 'failed' ORDER BY received_at DESC LIMIT 100` },
  { name: "admin pushes: voicemail", sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox WHERE action = 'voicemail' ORDER BY received_at DESC LIMIT 100` },
  { name: "admin pushes: one application", sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox WHERE sdk_app_id = $1 ORDER BY received_at DESC LIMIT 100`, params: [APP] },
  {
    name: "admin pushes: failed cdr of one app",
    sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox WHERE status = 'failed' AND action = 'cdr' AND sdk_app_id = $1 ORDER BY received_at DESC LIMIT 100`,
    params: [APP],
  },
  { name: "admin pushes: failed voicemail", sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox WHERE status = 'failed' AND action = 'voicemail' ORDER BY received_at DESC LIMIT 100` },
  { name: "replay: one push by uuid", sql: `SELECT action, body::text FROM push_inbox WHERE push_uuid = $1`, params: [`bench-push-${Math.floor(PUSHES / 2)}`] },
  {
    name: "admin replay of all failed: a page",
    sql: `SELECT id, push_uuid FROM push_inbox WHERE status = 'failed' AND id > $1 ORDER BY id LIMIT 100`,
    params: [Math.floor(PUSHES / 2)],
  },
  {
    name: "call story: a call's pushes",
    sql: `SELECT ${PUSH_COLUMNS} FROM push_inbox WHERE sdk_app_id = $1 AND session_id = $2`,
    params: [1_400_000_000 + (FAILED_PUSH % APPS), `session-${Math.floor(FAILED_PUSH / 3)}`],
  },
  {
    name: "call story: failed pushes of a session",
    sql: `SELECT sdk_app_id FROM push_inbox WHERE status = 'failed' AND session_id = $1 AND sdk_app_id IS NOT NULL`,
    params: [`session-${Math.floor(FAILED_PUSH / 3)}`],
  },
  {
    name: "status: failed pushes by action",
    sql: `SELECT action, sum(count)::int FROM push_inbox_failed_counts WHERE $1::bigint IS NULL OR sdk_app_id = $1::bigint GROUP BY action HAVING sum(count) <> 0`,
    params: [null],
  },
  { name: "(the same counted from the rows)", sql: `SELECT action, count(*)::int FROM push_inbox WHERE status = 'failed' GROUP BY action` },
  { name: "status: failed API records", sql: `SELECT count(*)::int FROM tel_cdr_records WHERE status = 'failed'` },
  {
    name: "status: latest run per app",
    sql: `WITH RECURSIVE apps(sdk_app_id) AS (
            (SELECT sdk_app_id FROM reconcile_runs ORDER BY sdk_app_id LIMIT 1)
            UNION ALL SELECT (SELECT r.sdk_app_id FROM reconcile_runs r WHERE r.sdk_app_id > apps.sdk_app_id ORDER BY r.sdk_app_id LIMIT 1) FROM apps WHERE apps.sdk_app_id IS NOT NULL)
          SELECT r.* FROM apps CROSS JOIN LATERAL (SELECT * FROM reconcile_runs r WHERE r.sdk_app_id = apps.sdk_app_id ORDER BY r.started_at DESC LIMIT 1) r
          WHERE apps.sdk_app_id IS NOT NULL`,
  },
  {
    name: "status: mirror backlog",
    sql: `SELECT count(*) FILTER (WHERE mirror_status = 'pending')::int, count(*) FILTER (WHERE mirror_status = 'failed')::int,
                 min(created_at) FILTER (WHERE mirror_status = 'pending') FROM recordings WHERE mirror_status IN ('pending', 'failed')`,
  },
  {
    name: "metrics: last day's runs",
    sql: `SELECT sdk_app_id, count(*) FILTER (WHERE status = 'failed')::int, coalesce(sum(created), 0)::int FROM reconcile_runs WHERE started_at > now() - interval '24 hours' GROUP BY sdk_app_id`,
  },
  { name: "admin runs: newest 100", sql: `SELECT * FROM reconcile_runs ORDER BY id DESC LIMIT 100` },
  { name: "admin runs: failed", sql: `SELECT * FROM reconcile_runs WHERE status = 'failed' ORDER BY id DESC LIMIT 100` },
  { name: "admin runs: one application", sql: `SELECT * FROM reconcile_runs WHERE sdk_app_id = $1 ORDER BY id DESC LIMIT 100`, params: [APP] },
  { name: "admin API records: newest 100", sql: `SELECT ${RECORD_COLUMNS} FROM tel_cdr_records ORDER BY last_seen_at DESC LIMIT 100` },
  { name: "admin API records: failed", sql: `SELECT ${RECORD_COLUMNS} FROM tel_cdr_records WHERE status = 'failed' ORDER BY last_seen_at DESC LIMIT 100` },
  { name: "admin API records: one app", sql: `SELECT ${RECORD_COLUMNS} FROM tel_cdr_records WHERE sdk_app_id = $1 ORDER BY last_seen_at DESC LIMIT 100`, params: [APP] },
  { name: "admin recordings: failed", sql: `SELECT * FROM recordings WHERE mirror_status = 'failed' ORDER BY updated_at DESC LIMIT 100` },
  {
    name: "mirror sweep",
    sql: `SELECT id FROM recordings WHERE mirror_status = 'pending' AND record_url IS NOT NULL AND (mirror_lease_end IS NULL OR mirror_lease_end < now())
            AND updated_at < now() - interval '10 minutes' ORDER BY recorded_at ASC NULLS LAST, id ASC LIMIT 500`,
  },
];

/** A table this large read whole is a defect; empty partitions (months ahead) and small ones may be. */
const LARGE_TABLE_ROWS = 10_000;

async function fill(client: pg.Client): Promise<void> {
  const started = Date.now();
  const step = async (label: string, sql: string, params: unknown[] = []) => {
    const stepStarted = Date.now();
    await client.query(sql, params);
    console.log(`  ${label}: ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
  };
  // push i was received (PUSHES - i) / PUSHES of a year ago; 1 % failed (in every application); 60 % cdr, 35 % record,
  // 5 % voicemail
  await step(
    `push_inbox, ${PUSHES} rows`,
    `INSERT INTO push_inbox (id, push_uuid, action, sdk_app_id, session_id, body, status, error, received_at, processed_at)
     SELECT i, 'bench-push-' || i, CASE WHEN i % 20 = 0 THEN 'voicemail' WHEN i % 20 < 8 THEN 'record' ELSE 'cdr' END,
            1400000000 + i % ${APPS}, 'session-' || (i / 3), jsonb_build_object('SessionId', 'session-' || (i / 3), 'SdkAppId', 1400000000 + i % ${APPS}),
            CASE WHEN i % 97 = 7 THEN 'failed' ELSE 'processed' END, CASE WHEN i % 97 = 7 THEN 'SessionId: SessionId is required' END,
            t, CASE WHEN i % 97 <> 7 THEN t END
     FROM generate_series(1, $1::bigint) AS i, LATERAL (SELECT now() - (($1::bigint - i) * ${YEAR_SEC}::double precision / $1::bigint) * interval '1 second' AS t) AS at`,
    [PUSHES],
  );
  await step("push_keys", `INSERT INTO push_keys (push_uuid, received_at) SELECT push_uuid, received_at FROM push_inbox`);
  await client.query(`SELECT setval('push_inbox_id_seq', $1::bigint)`, [PUSHES]);
  await step(
    `call_sessions, ${SESSIONS} rows`,
    `INSERT INTO call_sessions (sdk_app_id, session_id, direction, caller, callee, start_at, ended_at, seat_user_id, source)
     SELECT 1400000000 + i % ${APPS}, 'session-' || i, (i % 2)::smallint, '0086' || (13000000000 + i), '0086' || (18000000000 + i % 1000), t, t + interval '3 minutes',
            'agent' || (i % 500) || '@example.com', 'push'
     FROM generate_series(1, $1::bigint) AS i, LATERAL (SELECT now() - (($1::bigint - i) * ${YEAR_SEC}::double precision / $1::bigint) * interval '1 second' AS t) AS at`,
    [SESSIONS],
  );
  // 1 % of the tracks still pending (the newest), 0.1 % failed
  await step(
    `recordings, ${SESSIONS} rows`,
    `INSERT INTO recordings (sdk_app_id, session_id, kind, track_key, record_id, record_url, recorded_at, mirror_status, storage_key, mirrored_at, created_at, updated_at)
     SELECT 1400000000 + i % ${APPS}, 'session-' || i, 'call', 'rec-' || i, 'rec-' || i, 'https://example.myqcloud.com/rec-' || i || '.mp3', t,
            CASE WHEN i > $1::bigint * 0.99 THEN 'pending' WHEN i % 1000 = 3 THEN 'failed' ELSE 'mirrored' END,
            CASE WHEN i <= $1::bigint * 0.99 AND i % 1000 <> 3 THEN 'key-' || i END, CASE WHEN i <= $1::bigint * 0.99 AND i % 1000 <> 3 THEN t END, t, t
     FROM generate_series(1, $1::bigint) AS i, LATERAL (SELECT now() - (($1::bigint - i) * ${YEAR_SEC}::double precision / $1::bigint) * interval '1 second' AS t) AS at`,
    [SESSIONS],
  );
  await step(
    `tel_cdr_records, ${SESSIONS} rows`,
    `INSERT INTO tel_cdr_records (sdk_app_id, record_key, session_id, body, status, error, first_seen_at, last_seen_at)
     SELECT 1400000000 + i % ${APPS}, 'session-' || i, 'session-' || i, jsonb_build_object('SessionId', 'session-' || i),
            CASE WHEN i % 1000 = 5 THEN 'failed' ELSE 'processed' END, CASE WHEN i % 1000 = 5 THEN 'RecordURL: must be an http(s) URL' END, t, t
     FROM generate_series(1, $1::bigint) AS i, LATERAL (SELECT now() - (($1::bigint - i) * ${YEAR_SEC}::double precision / $1::bigint) * interval '1 second' AS t) AS at`,
    [SESSIONS],
  );
  await step("tel_cdr_record_keys", `INSERT INTO tel_cdr_record_keys (sdk_app_id, record_key, first_seen_at) SELECT sdk_app_id, record_key, first_seen_at FROM tel_cdr_records`);
  // a run per app every 15 minutes for a year, 2 % failed
  await step(
    "reconcile_runs",
    `INSERT INTO reconcile_runs (sdk_app_id, window_start, window_end, status, fetched, created, started_at, finished_at, error)
     SELECT 1400000000 + i % ${APPS}, t - interval '1 hour', t, CASE WHEN i % 50 = 9 THEN 'failed' ELSE 'succeeded' END, 100, i % 3, t, t + interval '20 seconds',
            CASE WHEN i % 50 = 9 THEN 'InternalError' END
     FROM generate_series(1, $1::bigint) AS i, LATERAL (SELECT now() - (($1::bigint - i) * ${YEAR_SEC}::double precision / $1::bigint) * interval '1 second' AS t) AS at`,
    [APPS * 4 * 24 * 365],
  );
  await step("VACUUM ANALYZE", "VACUUM ANALYZE");
  console.log(`filled in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function timeQuery(client: pg.Client, query: Query, withoutIndexes: boolean): Promise<number> {
  if (withoutIndexes) {
    await client.query("BEGIN");
    for (const index of NEW_INDEXES) await client.query(`DROP INDEX IF EXISTS ${index}`);
  }
  try {
    const started = process.hrtime.bigint();
    await client.query(query.sql, query.params);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    if (withoutIndexes) await client.query("ROLLBACK");
  }
}

interface Plan {
  /** The large tables the plan reads sequentially. */
  sequentialScans: string[];
  /** The indexes it reads, a partition's index named by the partitioned index it belongs to. */
  indexes: string[];
}

async function explain(client: pg.Client, query: Query, parentIndexOf: Map<string, string>): Promise<Plan> {
  const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${query.sql}`, query.params);
  const plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
  const scanned = [...plan.matchAll(/Seq Scan on (\w+)/g)].map((match) => match[1]!);
  const indexes = [...new Set([...plan.matchAll(/(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map((match) => parentIndexOf.get(match[1]!) ?? match[1]!))];
  if (scanned.length === 0) return { sequentialScans: [], indexes };
  const { rows: sizes } = await client.query<{ relname: string; rows: number }>(
    `SELECT relname, reltuples::bigint AS rows FROM pg_class WHERE relname = ANY($1) AND reltuples > $2`,
    [scanned, LARGE_TABLE_ROWS],
  );
  return { sequentialScans: sizes.map((size) => `${size.relname} (${size.rows} rows)`), indexes };
}

/** The indexes of a table (of all its partitions), with their size: what every insert writes. */
async function indexesOf(client: pg.Client, table: string): Promise<{ name: string; bytes: number; predicate: string | null }[]> {
  const { rows } = await client.query<{ name: string; bytes: string; predicate: string | null }>(
    `SELECT i.relname AS name, pg_get_expr(x.indpred, x.indrelid) AS predicate,
            pg_relation_size(i.oid) + COALESCE((SELECT sum(pg_relation_size(h.inhrelid)) FROM pg_inherits h WHERE h.inhparent = i.oid), 0) AS bytes
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass ORDER BY i.relname`,
    [table],
  );
  return rows.map((row) => ({ ...row, bytes: Number(row.bytes) }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  console.log(`bench:history on ${new URL(DATABASE_URL).pathname.slice(1)}: ${PUSHES} pushes, ${SESSIONS} sessions; ${execSync("uptime").toString().trim()}; ${execSync("nproc").toString().trim()} cores`);
  const client = new pg.Client({ connectionString: DATABASE_URL });
  if (process.env.BENCH_HISTORY_KEEP !== "1") {
    await recreateDatabase(DATABASE_URL);
    await applyPendingMigrations(DATABASE_URL);
    const database = openDatabase({ url: DATABASE_URL, poolSize: 2, connectTimeoutMs: 5000, logger: createLogger("silent") });
    const current = new Date();
    for (let back = 13; back >= -2; back--) {
      const month = new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - back, 1));
      await ensureMonthPartition(database.prisma, PUSH_INBOX, month);
      await ensureMonthPartition(database.prisma, TEL_CDR_RECORDS, month);
    }
    await database.close();
    await client.connect();
    await fill(client);
  } else {
    await client.connect();
  }

  const results = new Map<string, { with: number[]; without: number[] }>(QUERIES.map((query) => [query.name, { with: [], without: [] }]));
  for (let run = 0; run < RUNS; run++) {
    for (const query of QUERIES) {
      // alternate which goes first, so that neither always finds the cache warmed by the other
      const order = run % 2 === 0 ? [false, true] : [true, false];
      for (const without of order) results.get(query.name)![without ? "without" : "with"].push(await timeQuery(client, query, without));
    }
  }

  // the service's own code, with its prepared statements: after 5 executions PostgreSQL may switch a statement to a
  // generic plan, which knows the filters only as parameters; the median of the executions after that
  const database = openDatabase({ url: DATABASE_URL, poolSize: 2, connectTimeoutMs: 5000, logger: createLogger("silent") });
  const pushAdmin = createPushAdminService({ prisma: database.prisma });
  const filters: [string, PushFilter][] = [
    ["newest 100", {}],
    ["failed", { status: "failed" }],
    ["one application", { sdkAppId: BigInt(APP) }],
    ["failed cdr of one app", { status: "failed", action: "cdr", sdkAppId: BigInt(APP) }],
  ];
  const serviceCalls: [string, () => Promise<unknown>][] = [
    ...filters.map(([name, filter]): [string, () => Promise<unknown>] => [`service: admin pushes, ${name}`, () => pushAdmin.list(filter, 100)]),
    ["service: operational status", () => readOperationalStatus(database.prisma)],
  ];
  const serviceTimes = new Map<string, number[]>();
  for (const [name, call] of serviceCalls) {
    const times: number[] = [];
    for (let run = 0; run < 8 + RUNS; run++) {
      const started = process.hrtime.bigint();
      await call();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    serviceTimes.set(name, times.slice(8));
  }

  // one push through the service's own statements (claiming its key, storing its row), timed inside its transaction
  // the same way with and without the new indexes (dropped first in the transaction, which is then rolled back)
  const rolledBack = new Error("rolled back");
  const timePush = async (withoutIndexes: boolean, run: number): Promise<number> => {
    let elapsed = NaN;
    await database.prisma
      .$transaction(async (tx) => {
        if (withoutIndexes) for (const index of NEW_INDEXES) await tx.$executeRawUnsafe(`DROP INDEX IF EXISTS ${index}`);
        const started = process.hrtime.bigint();
        await insertPushesOrCountDuplicates(tx, [{ pushUuid: `bench-new-${Date.now()}-${run}-${withoutIndexes}`, action: "cdr", rawBody: '{"SessionId":"x"}', status: "processed" }]);
        elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        if (withoutIndexes) throw rolledBack;
      })
      .catch((error: unknown) => {
        if (error !== rolledBack) throw error;
      });
    return elapsed;
  };
  const pushTimes = { with: [] as number[], without: [] as number[] };
  for (let run = 0; run < Math.max(RUNS, 5); run++) {
    for (const without of run % 2 === 0 ? [false, true] : [true, false]) pushTimes[without ? "without" : "with"].push(await timePush(without, run));
  }
  await database.close();

  const { rows: partitionIndexes } = await client.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_class p ON p.oid = h.inhparent WHERE c.relkind = 'i'`,
  );
  const parentIndexOf = new Map(partitionIndexes.map((row) => [row.child, row.parent]));
  const usedBy = new Map<string, string[]>();
  console.log(`\n${"query".padEnd(44)} ${"with (ms)".padStart(10)} ${"without (ms)".padStart(13)}  sequential scans of a large table (with); indexes read`);
  for (const query of QUERIES) {
    const timing = results.get(query.name)!;
    const plan = await explain(client, query, parentIndexOf);
    for (const index of plan.indexes) usedBy.set(index, [...(usedBy.get(index) ?? []), query.name]);
    console.log(
      `${query.name.padEnd(44)} ${median(timing.with).toFixed(1).padStart(10)} ${median(timing.without).toFixed(1).padStart(13)}  ${plan.sequentialScans.join("; ") || "none"}; ${plan.indexes.join(", ") || "no index"}`,
    );
  }
  for (const [name, times] of serviceTimes) console.log(`${name.padEnd(44)} ${median(times).toFixed(1).padStart(10)}`);
  console.log(`${"one push (new uuid; its statements)".padEnd(44)} ${median(pushTimes.with).toFixed(1).padStart(10)} ${median(pushTimes.without).toFixed(1).padStart(13)}`);
  for (const table of ["push_inbox", "recordings"]) {
    console.log(`\nindexes of ${table} (every insert writes those whose predicate it meets), and the queries above that read them:`);
    for (const index of await indexesOf(client, table)) {
      const where = index.predicate ? ` WHERE ${index.predicate}` : "";
      console.log(`  ${index.name}${where}: ${(index.bytes / 2 ** 20).toFixed(0)} MB; ${usedBy.get(index.name)?.join(", ") ?? "none of them (constraint, lookups by key, sweeps)"}`);
    }
  }
  console.log(`\nmedians of ${RUNS} interleaved runs; ${execSync("uptime").toString().trim()}`);
  await client.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
