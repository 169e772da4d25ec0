import type { JobQueues } from "../jobs/job-queues";
import type { Database } from "../persistence/database";
import type { Metrics } from "./metrics";
import { readOperationalStatus, type OperationalStatus } from "./operational-status";

const SCRAPE_READING_TTL_MS = 1000;

/**
 * Gauges read from PostgreSQL and Redis when Prometheus scrapes, so that every replica reports the same stored truth
 * and nothing needs to be kept in step in memory.
 */
export function registerStateGauges(metrics: Metrics, deps: { prisma: Database; jobs: JobQueues; queueIds: string[] }): void {
  const { prisma, jobs } = deps;
  // the same reading the CLI's `status` prints, shared by the gauges of one scrape
  let reading: { at: number; status: Promise<OperationalStatus> } | undefined;
  const status = () => {
    if (!reading || Date.now() - reading.at > SCRAPE_READING_TTL_MS) reading = { at: Date.now(), status: readOperationalStatus(prisma) };
    return reading.status;
  };

  metrics.addGauge("tccc_failed_pushes", "Pushes stored as failed, waiting for an admin to replay them", [], async (set) => {
    set({}, (await status()).failedPushes.total);
  });

  metrics.addGauge("tccc_failed_api_records", "DescribeTelCdr records stored as failed (could not be read), waiting for a fix and a replay", [], async (set) => {
    set({}, (await status()).failedApiRecords);
  });

  metrics.addGauge("tccc_reconcile_lag_seconds", "Now minus the reconciliation watermark, per application", ["sdk_app_id"], async (set) => {
    for (const app of (await status()).reconciliation) if (app.lagSec !== null) set({ sdk_app_id: app.sdkAppId }, app.lagSec);
  });

  metrics.addGauge("tccc_reconcile_missing_sessions", "Calls reconciliation found that no push had delivered, per application (all time)", ["sdk_app_id"], async (set) => {
    const rows = await prisma.$queryRaw<{ sdk_app_id: bigint; missing: bigint }[]>`
      SELECT sdk_app_id, count(*) AS missing FROM reconcile_missing_sessions GROUP BY sdk_app_id`;
    for (const row of rows) set({ sdk_app_id: row.sdk_app_id.toString() }, Number(row.missing));
  });

  metrics.addGauge("tccc_reconcile_runs_failed", "Reconciliation runs that failed in the last 24 hours, per application", ["sdk_app_id"], async (set) => {
    const rows = await prisma.$queryRaw<{ sdk_app_id: bigint; failed: bigint }[]>`
      SELECT sdk_app_id, count(*) AS failed FROM reconcile_runs WHERE status = 'failed' AND started_at > now() - interval '24 hours' GROUP BY sdk_app_id`;
    for (const row of rows) set({ sdk_app_id: row.sdk_app_id.toString() }, Number(row.failed));
  });

  metrics.addGauge("tccc_recordings", "Recording tracks by mirror status (pending = the mirror backlog)", ["mirror_status"], async (set) => {
    const rows = await prisma.recording.groupBy({ by: ["mirrorStatus"], _count: { _all: true } });
    for (const row of rows) set({ mirror_status: row.mirrorStatus }, row._count._all);
  });

  metrics.addGauge("tccc_queue_jobs", "Jobs per queue and state", ["queue", "state"], async (set) => {
    // Redis being away must not break the whole scrape: the gauge is then simply absent
    const depths = await jobs.depths(deps.queueIds).catch(() => ({}) as Record<string, Record<string, number>>);
    for (const [queue, counts] of Object.entries(depths)) for (const [state, count] of Object.entries(counts)) set({ queue, state }, count);
  });
}
