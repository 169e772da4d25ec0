import { createLogger } from "../../src/logging/logger";
import { readOperationalStatus } from "../../src/observability/operational-status";
import { openDatabase } from "../../src/persistence/database";
import { applyPendingMigrations } from "../../src/persistence/migrations/migrations";
import { failedCountsAndTruth } from "../support/failed-push-counts";
import { scratchDatabaseBefore, type ScratchDatabase } from "../support/scratch-database";

const MIGRATION = "20261204190000_failed_push_counts_and_partial_indexes";

describe(`upgrading a database with ${MIGRATION}`, () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabaseBefore(MIGRATION, "upgrade_failed_counts");
  });
  afterAll(() => scratch?.drop());

  it("counts the failed pushes already stored, and every change after it", async () => {
    await scratch.db.query(`
      INSERT INTO push_inbox (push_uuid, action, sdk_app_id, body, status, error, received_at) VALUES
        ('a', 'cdr', 7, '{}', 'failed', 'x', '2026-11-01T00:00:00Z'),
        ('b', 'cdr', 7, '{}', 'failed', 'x', '2026-12-01T00:00:00Z'),
        ('c', 'record', NULL, '{}', 'failed', 'x', '2026-12-01T00:00:00Z'),
        ('d', 'cdr', 7, '{}', 'processed', NULL, '2026-12-01T00:00:00Z')`);

    expect(await applyPendingMigrations(scratch.url)).toEqual([MIGRATION]);
    await scratch.db.query(`UPDATE push_inbox SET status = 'processed', error = NULL WHERE push_uuid = 'b'`);

    const database = openDatabase({ url: scratch.url, poolSize: 2, connectTimeoutMs: 5000, logger: createLogger("silent") });
    try {
      expect((await readOperationalStatus(database.prisma)).failedPushes).toEqual({ total: 2, byAction: { cdr: 1, record: 1 } });
      expect((await readOperationalStatus(database.prisma, 7n)).failedPushes).toEqual({ total: 1, byAction: { cdr: 1 } });
      const { counted, actual } = await failedCountsAndTruth(database.prisma);
      expect(counted).toEqual(actual);
    } finally {
      await database.close();
    }
  });
});
