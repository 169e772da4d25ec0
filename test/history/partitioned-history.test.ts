import { randomUUID } from "node:crypto";
import { applyRetention, ensureMonthPartition, PUSH_INBOX, TEL_CDR_RECORDS } from "../../src/history/history-partitions";
import { createLogger } from "../../src/logging/logger";
import { createMetrics } from "../../src/observability/metrics";
import { readOperationalStatus } from "../../src/observability/operational-status";
import { openDatabase, type DatabaseHandle } from "../../src/persistence/database";
import { insertPushesOrCountDuplicates, type NewPush } from "../../src/persistence/push-inbox-repository";
import { saveTelCdrs } from "../../src/reconciliation/tel-cdr-records";
import { interpretTelCdrPage } from "../../src/tccc/interpret";
import { failedCountsAndTruth } from "../support/failed-push-counts";
import { TEST_DATABASE_URL } from "../support/test-env";
import { uniqueSdkAppId } from "../support/test-service";

// Months far from today's (and from each other's tests): the test database is shared by files running in parallel.
describe("push_inbox and tel_cdr_records partitioned by month", () => {
  let database: DatabaseHandle;
  const logger = createLogger("silent");
  beforeAll(() => {
    database = openDatabase({ url: TEST_DATABASE_URL, poolSize: 4, connectTimeoutMs: 5000, logger });
  });
  afterAll(() => database.close());

  const newPush = (pushUuid: string, status: NewPush["status"] = "processed"): NewPush => ({
    pushUuid,
    action: "cdr",
    rawBody: JSON.stringify({ SessionId: pushUuid }),
    status,
    ...(status === "failed" ? { error: "SdkAppId: SdkAppId is required" } : {}),
  });
  const store = (push: NewPush, receivedAt: Date) =>
    database.prisma.$transaction((tx) => insertPushesOrCountDuplicates(tx, [push], receivedAt));
  const partitionOf = async (pushUuid: string) => {
    const rows = await database.prisma.$queryRaw<{ partition: string; duplicate_count: number; id: bigint }[]>`
      SELECT tableoid::regclass::text AS partition, duplicate_count, id FROM push_inbox WHERE push_uuid = ${pushUuid}`;
    return rows;
  };
  const keyOf = (pushUuid: string) => database.prisma.pushKey.findUnique({ where: { pushUuid } });

  it("counts a retry that arrives in the next month as a duplicate of the push stored the month before: one row", async () => {
    await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2025-01-15T00:00:00Z"));
    await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2025-02-15T00:00:00Z"));
    const pushUuid = `boundary-${randomUUID()}`;

    const first = await store(newPush(pushUuid), new Date("2025-01-31T23:59:59.000Z"));
    const retry = await store(newPush(pushUuid), new Date("2025-02-01T00:00:00.000Z"));

    expect([...first]).toEqual([pushUuid]);
    expect([...retry]).toEqual([]);
    expect(await partitionOf(pushUuid)).toEqual([expect.objectContaining({ partition: "push_inbox_y2025m01", duplicate_count: 1 })]);
    expect((await keyOf(pushUuid))?.receivedAt.toISOString()).toBe("2025-01-31T23:59:59.000Z");
  });

  it("stores one row for concurrent copies of a push sent across a month boundary", async () => {
    const pushUuid = `boundary-concurrent-${randomUUID()}`;

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => store(newPush(pushUuid), new Date(index % 2 === 0 ? "2025-01-31T23:59:59.999Z" : "2025-02-01T00:00:00.000Z"))),
    );

    expect(results.filter((inserted) => inserted.has(pushUuid))).toHaveLength(1);
    expect(await partitionOf(pushUuid)).toEqual([expect.objectContaining({ duplicate_count: 9 })]);
  });

  it("keeps one tel_cdr_records row per record listed again in a later month, with its first sighting", async () => {
    const sdkAppId = BigInt(uniqueSdkAppId());
    const record = { SessionId: `api-${randomUUID()}` };
    const [interpreted] = await interpretTelCdrPage(sdkAppId, [record]);
    const save = () => database.prisma.$transaction((tx) => saveTelCdrs(tx, sdkAppId, [interpreted!], 1n));
    await save();
    // as if the first listing had been on the last second of January
    await database.prisma.$executeRaw`UPDATE tel_cdr_records SET first_seen_at = '2025-01-31T23:59:59Z' WHERE sdk_app_id = ${sdkAppId}`;
    await database.prisma.$executeRaw`UPDATE tel_cdr_record_keys SET first_seen_at = '2025-01-31T23:59:59Z' WHERE sdk_app_id = ${sdkAppId}`;

    await save();

    const rows = await database.prisma.telCdrRecord.findMany({ where: { sdkAppId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.firstSeenAt.toISOString()).toBe("2025-01-31T23:59:59.000Z");
    expect(rows[0]!.lastSeenAt.getTime()).toBeGreaterThan(Date.parse("2026-01-01T00:00:00Z"));
  });

  describe("retention", () => {
    it("drops whole months older than the cutoff, keeps their failed pushes until replayed, and never touches the call tables", async () => {
      for (const month of ["2020-01", "2020-02", "2020-03"]) await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date(`${month}-15T00:00:00Z`));
      const id = randomUUID();
      const [processedJanuary, failedJanuary, processedFebruary, processedMarch] = ["a", "b", "c", "d"].map((name) => `retention-${name}-${id}`) as [string, string, string, string];
      await store(newPush(processedJanuary), new Date("2020-01-10T00:00:00Z"));
      await store(newPush(failedJanuary, "failed"), new Date("2020-01-20T00:00:00Z"));
      await store(newPush(processedFebruary), new Date("2020-02-29T23:59:59Z"));
      await store(newPush(processedMarch), new Date("2020-03-01T00:00:00Z"));
      const [failedRow] = await partitionOf(failedJanuary);
      const sdkAppId = BigInt(uniqueSdkAppId());
      await database.prisma.callSession.create({ data: { sdkAppId, sessionId: `kept-${id}`, source: "push", startAt: new Date("2020-01-10T00:00:00Z") } });
      const metrics = createMetrics();

      const outcome = await applyRetention(database.prisma, PUSH_INBOX, new Date("2020-03-01T12:00:00Z"), logger, metrics);

      expect(outcome).toEqual({ droppedPartitions: ["push_inbox_y2020m01", "push_inbox_y2020m02"], droppedRows: 2, keptRows: 1 });
      expect(await partitionOf(processedJanuary)).toEqual([]);
      expect(await partitionOf(processedFebruary)).toEqual([]);
      expect(await partitionOf(failedJanuary)).toEqual([{ partition: "push_inbox_default", duplicate_count: 0, id: failedRow!.id }]);
      expect(await partitionOf(processedMarch)).toEqual([expect.objectContaining({ partition: "push_inbox_y2020m03" })]);
      // another process's maintenance that saw January's kept push as stranded before the drop creates nothing
      expect(await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2020-01-15T00:00:00Z"), { unlessRetired: true })).toEqual({ created: false, movedRows: 0 });
      expect(await partitionOf(failedJanuary)).toEqual([expect.objectContaining({ partition: "push_inbox_default" })]);
      expect(await keyOf(processedJanuary)).toBeNull();
      expect(await keyOf(failedJanuary)).not.toBeNull();
      // a retry of the kept push is still a duplicate
      expect([...(await store(newPush(failedJanuary), new Date()))]).toEqual([]);
      expect(await database.prisma.callSession.count({ where: { sdkAppId } })).toBe(1);
      const counters = await metrics.registry.getSingleMetricAsString("tccc_history_rows_kept_total");
      expect(counters).toContain('tccc_history_rows_kept_total{table="push_inbox"} 1');
      expect(await metrics.registry.getSingleMetricAsString("tccc_history_rows_dropped_total")).toContain('{table="push_inbox"} 2');

      // replayed successfully: no longer failed, so the next run lets it go
      await database.prisma.$executeRaw`UPDATE push_inbox SET status = 'processed', error = NULL WHERE push_uuid = ${failedJanuary}`;
      const later = await applyRetention(database.prisma, PUSH_INBOX, new Date("2020-03-01T12:00:00Z"), logger, metrics);

      expect(later).toEqual({ droppedPartitions: [], droppedRows: 1, keptRows: 0 });
      expect(await partitionOf(failedJanuary)).toEqual([]);
      expect(await keyOf(failedJanuary)).toBeNull();
      expect(await partitionOf(processedMarch)).toHaveLength(1);
    });

    it("applies to the raw DescribeTelCdr records the same way", async () => {
      for (const month of ["2019-01", "2019-02"]) await ensureMonthPartition(database.prisma, TEL_CDR_RECORDS, new Date(`${month}-15T00:00:00Z`));
      const sdkAppId = BigInt(uniqueSdkAppId());
      const interpreted = await interpretTelCdrPage(sdkAppId, [{ SessionId: `old-${randomUUID()}` }]);
      await database.prisma.$transaction((tx) => saveTelCdrs(tx, sdkAppId, interpreted, 1n));
      await database.prisma.$executeRaw`UPDATE tel_cdr_records SET first_seen_at = '2019-01-05T00:00:00Z', status = 'processed' WHERE sdk_app_id = ${sdkAppId}`;
      await database.prisma.$executeRaw`UPDATE tel_cdr_record_keys SET first_seen_at = '2019-01-05T00:00:00Z' WHERE sdk_app_id = ${sdkAppId}`;

      const outcome = await applyRetention(database.prisma, TEL_CDR_RECORDS, new Date("2019-02-10T00:00:00Z"), logger);

      expect(outcome.droppedPartitions).toEqual(["tel_cdr_records_y2019m01"]);
      expect(await database.prisma.telCdrRecord.count({ where: { sdkAppId } })).toBe(0);
      expect(await database.prisma.telCdrRecordKey.count({ where: { sdkAppId } })).toBe(0);
    });
  });

  it("keeps the count of failed pushes exact through the moves into a new month's partition and out of a dropped one", async () => {
    const sdkAppId = BigInt(uniqueSdkAppId());
    const failedPush = (name: string, action: string): NewPush => ({ ...newPush(`${name}-${randomUUID()}`, "failed"), action, sdkAppId });
    // a month without a partition yet (its pushes wait in the DEFAULT partition), older than every other test's months
    const stranded = [failedPush("stranded-a", "cdr"), failedPush("stranded-b", "record")];
    for (const push of stranded) await store(push, new Date("2009-03-10T00:00:00Z"));
    await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2009-04-15T00:00:00Z"));
    await store(failedPush("april", "cdr"), new Date("2009-04-10T00:00:00Z"));
    const failedOf = async () => (await readOperationalStatus(database.prisma, sdkAppId)).failedPushes;
    const exact = async () => {
      const { counted, actual } = await failedCountsAndTruth(database.prisma);
      expect(counted).toEqual(actual);
    };
    expect(await failedOf()).toEqual({ total: 3, byAction: { cdr: 2, record: 1 } });

    expect(await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2009-03-15T00:00:00Z"))).toEqual({ created: true, movedRows: 2 });
    expect(await failedOf()).toEqual({ total: 3, byAction: { cdr: 2, record: 1 } });
    await exact();

    // both months dropped: their failed pushes are kept, and still counted once
    const outcome = await applyRetention(database.prisma, PUSH_INBOX, new Date("2009-05-01T00:00:00Z"), logger);
    expect(outcome).toMatchObject({ droppedPartitions: ["push_inbox_y2009m03", "push_inbox_y2009m04"], keptRows: 3 });
    expect(await failedOf()).toEqual({ total: 3, byAction: { cdr: 2, record: 1 } });
    await exact();

    // a duplicate of a kept push changes nothing; once it is replayed successfully, retention lets it go
    await store(stranded[0]!, new Date());
    await database.prisma.$executeRaw`UPDATE push_inbox SET status = 'processed', error = NULL WHERE push_uuid = ${stranded[0]!.pushUuid}`;
    expect(await failedOf()).toEqual({ total: 2, byAction: { cdr: 1, record: 1 } });
    await applyRetention(database.prisma, PUSH_INBOX, new Date("2009-05-01T00:00:00Z"), logger);
    expect(await failedOf()).toEqual({ total: 2, byAction: { cdr: 1, record: 1 } });
    await exact();
  });

  it("takes a push for a month without a partition into the DEFAULT partition, and moves it into the month's partition once created", async () => {
    // older than the oldest month partition: no other process's start-up takes it for a month it should create
    const pushUuid = `no-partition-${randomUUID()}`;
    await store(newPush(pushUuid), new Date("2010-05-10T12:00:00Z"));
    expect(await partitionOf(pushUuid)).toEqual([expect.objectContaining({ partition: "push_inbox_default" })]);

    const created = await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2010-05-01T00:00:00Z"));
    const again = await ensureMonthPartition(database.prisma, PUSH_INBOX, new Date("2010-05-31T23:59:59Z"));

    expect(created).toEqual({ created: true, movedRows: 1 });
    expect(again).toEqual({ created: false, movedRows: 0 });
    expect(await partitionOf(pushUuid)).toEqual([expect.objectContaining({ partition: "push_inbox_y2010m05", duplicate_count: 0 })]);
  });
});
