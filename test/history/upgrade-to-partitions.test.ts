import { ensurePartitions, PUSH_INBOX, TEL_CDR_RECORDS } from "../../src/history/history-partitions";
import { createLogger } from "../../src/logging/logger";
import { openDatabase } from "../../src/persistence/database";
import { applyPendingMigrations } from "../../src/persistence/migrations/migrations";
import { insertPushesOrCountDuplicates } from "../../src/persistence/push-inbox-repository";
import { scratchDatabaseBefore, type ScratchDatabase } from "../support/scratch-database";

const MIGRATION = "20261203175000_partitioned_history";

/** A database of the version before partitioning, with pushes and API records of several months. */
describe(`upgrading a database with ${MIGRATION}`, () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabaseBefore(MIGRATION, "upgrade_partitions");
  });
  afterAll(() => scratch?.drop());

  it("moves every row into its month's partition with its id, keeps the dedupe, and goes on numbering after the last id", async () => {
    const { db } = scratch;
    await db.query(`
      INSERT INTO push_inbox (push_uuid, action, sdk_app_id, session_id, body, status, error, duplicate_count, received_at) VALUES
        ('october', 'cdr', 1, 's-1', '{"SessionId":"s-1"}', 'processed', NULL, 2, '2026-10-31T23:59:59.999Z'),
        ('november', 'record', 1, 's-1', '{}', 'failed', 'SessionId: SessionId is required', 0, '2026-11-01T00:00:00Z'),
        ('december', 'cdr', 1, 's-2', '{}', 'processed', NULL, 0, '2026-12-02T10:00:00Z')`);
    await db.query(`
      INSERT INTO tel_cdr_records (sdk_app_id, record_key, session_id, body, status, first_seen_at, last_seen_at) VALUES
        (1, 's-1', 's-1', '{"SessionId":"s-1"}', 'processed', '2026-11-15T00:00:00Z', '2026-12-01T00:00:00Z')`);
    const before = (await db.query("SELECT push_uuid, id FROM push_inbox ORDER BY id")).rows;

    expect((await applyPendingMigrations(scratch.url))[0]).toBe(MIGRATION);
    const database = openDatabase({ url: scratch.url, poolSize: 2, connectTimeoutMs: 5000, logger: createLogger("silent") });
    try {
      const logger = createLogger("silent");
      await ensurePartitions(database.prisma, PUSH_INBOX, new Date("2026-12-03T00:00:00Z"), logger);
      await ensurePartitions(database.prisma, TEL_CDR_RECORDS, new Date("2026-12-03T00:00:00Z"), logger);

      const rows = async (sql: string) => (await db.query(sql)).rows;
      expect(await rows("SELECT push_uuid, id, tableoid::regclass::text AS partition, duplicate_count FROM push_inbox ORDER BY id")).toEqual([
        { push_uuid: "october", id: before[0].id, partition: "push_inbox_y2026m10", duplicate_count: 2 },
        { push_uuid: "november", id: before[1].id, partition: "push_inbox_y2026m11", duplicate_count: 0 },
        { push_uuid: "december", id: before[2].id, partition: "push_inbox_y2026m12", duplicate_count: 0 },
      ]);
      expect(await rows("SELECT tableoid::regclass::text AS partition FROM tel_cdr_records")).toEqual([{ partition: "tel_cdr_records_y2026m11" }]);
      // months ahead exist before they start
      expect((await rows("SELECT to_regclass('push_inbox_y2027m02') IS NOT NULL AS ahead"))[0].ahead).toBe(true);
      expect(await rows("SELECT count(*)::int AS count FROM push_inbox_default")).toEqual([{ count: 0 }]);

      const retried = await database.prisma.$transaction((tx) =>
        insertPushesOrCountDuplicates(tx, [{ pushUuid: "october", action: "cdr", rawBody: "{}", status: "processed" }, { pushUuid: "new", action: "cdr", rawBody: "{}", status: "processed" }]),
      );
      expect([...retried]).toEqual(["new"]);
      expect(await rows("SELECT push_uuid, duplicate_count, id > 3 AS numbered_after FROM push_inbox WHERE push_uuid IN ('october', 'new') ORDER BY push_uuid")).toEqual([
        { push_uuid: "new", duplicate_count: 0, numbered_after: true },
        { push_uuid: "october", duplicate_count: 3, numbered_after: false },
      ]);
    } finally {
      await database.close();
    }
  });
});
