import type pg from "pg";
import { applyPendingMigrations } from "../../src/persistence/migrations/migrations";
import { scratchDatabaseBefore, type ScratchDatabase } from "../support/scratch-database";

const MIGRATION = "20261202190000_tel_cdr_records_and_precedence";

/**
 * A database written by the version before this migration: rows whose values came from pushes do not say so, and
 * windows whose records could not be read ended "succeeded" with the watermark past them. The migration must leave
 * pushed values winning over the API, and those windows failed and to be read again.
 */
describe(`upgrading a database with ${MIGRATION}`, () => {
  let scratch: ScratchDatabase;
  let db: pg.Client;

  beforeAll(async () => {
    scratch = await scratchDatabaseBefore(MIGRATION, "upgrade");
    db = scratch.db;
  });
  afterAll(() => scratch?.drop());

  it("marks the values of pushed rows as pushed, fails the runs that could not read their records and moves the watermark back to them", async () => {
    await db.query(`
      INSERT INTO push_inbox (push_uuid, action, sdk_app_id, session_id, body, status) VALUES
        ('cdr-1', 'cdr', 1, 'pushed', '{}', 'processed'), ('record-1', 'record', 1, 'pushed', '{"RecordId":"customer"}', 'processed'),
        ('cdr-2', 'cdr', 1, 'push-failed', '{}', 'failed')`);
    await db.query(`
      INSERT INTO call_sessions (sdk_app_id, session_id, caller, start_at, asr_url, source) VALUES
        (1, 'pushed', '008613912345678', '2026-12-01T00:10:00Z', 'https://asr.example/1.json', 'push'),
        (1, 'reconciled', '008613912345679', '2026-12-01T00:20:00Z', NULL, 'reconcile'),
        (1, 'push-failed', '008613912345670', NULL, NULL, 'reconcile')`);
    await db.query(`INSERT INTO call_participants (sdk_app_id, session_id, sequence, mail) VALUES (1, 'pushed', 0, 'zhaomin@example.com'), (1, 'reconciled', 0, 'qianlei@example.com')`);
    await db.query(`
      INSERT INTO recordings (sdk_app_id, session_id, kind, track_key, record_id, endpoint_user, record_url, recorded_at) VALUES
        (1, 'pushed', 'call', 'customer', 'customer', '008613912345678', 'https://recorder-1.cos.ap-shanghai.myqcloud.com/c.mp3', '2026-12-01T00:10:30Z'),
        (1, 'pushed', 'call', 'agent', 'agent', 'zhaomin@example.com', 'https://recorder-1.cos.ap-shanghai.myqcloud.com/a.mp3', '2026-12-01T00:10:00Z')`);
    await db.query(`
      INSERT INTO reconcile_runs (sdk_app_id, window_start, window_end, status, fetched, created, updated, unchanged, error, finished_at) VALUES
        (1, '2026-12-01T00:00:00Z', '2026-12-01T01:00:00Z', 'succeeded', 20, 0, 0, 0, '20 records could not be read: s-1: SdkAppId: SdkAppId is required', now()),
        (1, '2026-12-01T01:00:00Z', '2026-12-01T02:00:00Z', 'succeeded', 5, 5, 0, 0, NULL, now()),
        (2, '2026-12-01T01:00:00Z', '2026-12-01T02:00:00Z', 'failed', 0, 0, 0, 0, 'AuthFailure.SignatureFailure: ...', now())`);
    await db.query(`INSERT INTO reconcile_watermarks (sdk_app_id, reconciled_until) VALUES (1, '2026-12-01T02:00:00Z'), (2, '2026-12-01T01:00:00Z')`);

    expect((await applyPendingMigrations(scratch.url))[0]).toBe(MIGRATION);

    const rows = async (sql: string) => (await db.query(sql)).rows;
    // caller is bit 1, start_at bit 5; asr_url is the API's alone and has none
    expect(await rows("SELECT session_id, pushed_fields::int FROM call_sessions ORDER BY session_id")).toEqual([
      { session_id: "push-failed", pushed_fields: 0 },
      { session_id: "pushed", pushed_fields: 2 + 32 },
      { session_id: "reconciled", pushed_fields: 0 },
    ]);
    expect(await rows("SELECT session_id, pushed_fields::int FROM call_participants ORDER BY session_id")).toEqual([
      { session_id: "pushed", pushed_fields: 1 },
      { session_id: "reconciled", pushed_fields: 0 },
    ]);
    // record_id, endpoint_user, record_url, recorded_at of the pushed track; the other was only ever listed by the API
    expect(await rows("SELECT track_key, pushed_fields::int FROM recordings ORDER BY track_key")).toEqual([
      { track_key: "agent", pushed_fields: 0 },
      { track_key: "customer", pushed_fields: 1 + 2 + 4 + 16 },
    ]);
    expect(await rows("SELECT sdk_app_id::int, status, failed_records FROM reconcile_runs ORDER BY sdk_app_id, window_start")).toEqual([
      { sdk_app_id: 1, status: "failed", failed_records: 20 },
      { sdk_app_id: 1, status: "succeeded", failed_records: 0 },
      { sdk_app_id: 2, status: "failed", failed_records: 0 },
    ]);
    expect(await rows("SELECT sdk_app_id::int, reconciled_until FROM reconcile_watermarks ORDER BY sdk_app_id")).toEqual([
      { sdk_app_id: 1, reconciled_until: new Date("2026-12-01T00:00:00Z") },
      { sdk_app_id: 2, reconciled_until: new Date("2026-12-01T01:00:00Z") },
    ]);
  });
});
