import { Counter, Gauge } from "prom-client";
import type { JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import type { Database } from "../persistence/database";
import { lastDayRunStats } from "../persistence/reconcile-runs-repository";
import type { Metrics } from "./metrics";
import { readOperationalStatus, type OperationalStatus } from "./operational-status";

export interface StateGaugeDependencies {
  prisma: Database;
  jobs: JobQueues;
  queueIds: string[];
  logger: Logger;
  /** METRICS_STATE_INTERVAL_SEC: the stored state is read at most this often, however often Prometheus scrapes. */
  intervalSec: number;
  /** Milliseconds since the epoch; tests move it instead of waiting. */
  now?: () => number;
}

interface StateReading {
  status: OperationalStatus;
  recentRuns: { sdk_app_id: bigint; failed: number; missing: number }[];
  /** Absent while Redis is away: the queue gauge is then simply missing, the others are not. */
  queueDepths: Record<string, Record<string, number>> | undefined;
}

/**
 * Gauges of stored state (failed pushes, reconciliation, the mirror backlog, queue depths), read from PostgreSQL and
 * Redis so that every replica reports the same truth. A scrape does not pay for them: one reading, through indexed
 * queries, serves every scrape for `intervalSec`; concurrent scrapes share the one in flight. A failed reading keeps
 * the previous values (tccc_state_refreshed_timestamp_seconds tells how old they are) and is not retried before the
 * interval is over, so a struggling database is not also hammered by Prometheus.
 */
export function registerStateGauges(metrics: Metrics, deps: StateGaugeDependencies): void {
  const { prisma, jobs, logger, now = Date.now } = deps;
  const intervalMs = deps.intervalSec * 1000;
  const registers = [metrics.registry];
  const refreshes = new Counter({ name: "tccc_state_refreshes_total", help: "Readings of the stored state behind the state gauges, by outcome", labelNames: ["outcome"], registers });
  const refreshedAt = new Gauge({ name: "tccc_state_refreshed_timestamp_seconds", help: "When the state gauges were last read successfully (unix seconds)", registers });

  let reading: StateReading | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  async function read(): Promise<StateReading> {
    const [status, recentRuns, queueDepths] = await Promise.all([
      readOperationalStatus(prisma),
      lastDayRunStats(prisma),
      jobs.depths(deps.queueIds).catch(() => undefined),
    ]);
    return { status, recentRuns, queueDepths };
  }

  function current(): Promise<StateReading | undefined> {
    if (!inFlight && now() - lastAttempt >= intervalMs) {
      lastAttempt = now();
      inFlight = read()
        .then(
          (fresh) => {
            reading = fresh;
            refreshes.inc({ outcome: "succeeded" });
            refreshedAt.set(now() / 1000);
          },
          (error: unknown) => {
            refreshes.inc({ outcome: "failed" });
            logger.warn({ err: error }, "could not read the stored state for the metrics; the gauges keep their previous values");
          },
        )
        .finally(() => {
          inFlight = undefined;
        });
    }
    return (inFlight ?? Promise.resolve()).then(() => reading);
  }

  const stateGauge = (name: string, help: string, labelNames: string[], fill: (state: StateReading, set: (labels: Record<string, string>, value: number) => void) => void) =>
    metrics.addGauge(name, help, labelNames, async (set) => {
      const state = await current();
      if (state) fill(state, set);
    });

  stateGauge("tccc_failed_pushes", "Pushes stored as failed, waiting for an admin to replay them", [], ({ status }, set) => set({}, status.failedPushes.total));
  stateGauge("tccc_reconcile_lag_seconds", "Now minus the reconciliation watermark, per application", ["sdk_app_id"], ({ status }, set) => {
    for (const app of status.reconciliation) if (app.lagSec !== null) set({ sdk_app_id: app.sdkAppId }, app.lagSec);
  });
  stateGauge("tccc_failed_api_records", "DescribeTelCdr records stored as failed (could not be read), waiting for a fix and a replay", [], ({ status }, set) =>
    set({}, status.failedApiRecords),
  );
  stateGauge("tccc_reconcile_missing_sessions", "Calls no push had delivered, found by reconciliation runs started in the last 24 hours, per application", ["sdk_app_id"], ({ recentRuns }, set) => {
    for (const row of recentRuns) set({ sdk_app_id: row.sdk_app_id.toString() }, row.missing);
  });
  stateGauge("tccc_reconcile_runs_failed", "Reconciliation runs that failed in the last 24 hours, per application", ["sdk_app_id"], ({ recentRuns }, set) => {
    for (const row of recentRuns) set({ sdk_app_id: row.sdk_app_id.toString() }, row.failed);
  });
  stateGauge("tccc_recordings", "Recording tracks the mirror still owes (pending) or gave up on (failed)", ["mirror_status"], ({ status }, set) => {
    set({ mirror_status: "pending" }, status.mirrorBacklog.pending);
    set({ mirror_status: "failed" }, status.mirrorBacklog.failed);
  });
  stateGauge("tccc_queue_jobs", "Jobs per queue and state", ["queue", "state"], ({ queueDepths }, set) => {
    for (const [queue, counts] of Object.entries(queueDepths ?? {})) for (const [state, count] of Object.entries(counts)) set({ queue, state }, count);
  });
}
