import { z } from "zod";
import type { AppConfig } from "../config/env";
import { defineJob } from "../jobs/job-definition";
import type { Logger } from "../logging/logger";
import type { Metrics } from "../observability/metrics";
import type { Database } from "../persistence/database";
import { applyRetention, ensurePartitions, PUSH_INBOX, TEL_CDR_RECORDS, type HistoryTable } from "./history-partitions";

export type HistoryConfig = Pick<AppConfig, "PUSH_INBOX_RETENTION_DAYS" | "TEL_CDR_RECORDS_RETENTION_DAYS" | "HISTORY_MAINTENANCE_INTERVAL_SEC">;

export interface HistoryMaintenanceDependencies {
  prisma: Database;
  config: HistoryConfig;
  logger: Logger;
  metrics?: Pick<Metrics, "historyPartitionsDropped" | "historyRowsDropped" | "historyRowsKept">;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

/** Creates the month partitions ahead, then (unless told not to) applies the retention of each table that has one. */
export async function maintainHistory(deps: HistoryMaintenanceDependencies, options: { retention: boolean } = { retention: true }) {
  const { prisma, config, logger, metrics, now = () => new Date() } = deps;
  const tables: [HistoryTable, number | undefined][] = [
    [PUSH_INBOX, config.PUSH_INBOX_RETENTION_DAYS],
    [TEL_CDR_RECORDS, config.TEL_CDR_RECORDS_RETENTION_DAYS],
  ];
  const outcomes = [];
  for (const [history, retentionDays] of tables) {
    const created = await ensurePartitions(prisma, history, now(), logger);
    const retention = retentionDays === undefined || !options.retention ? undefined : await applyRetention(prisma, history, new Date(now().getTime() - retentionDays * DAY_MS), logger, metrics);
    outcomes.push({ table: history.table, created, ...retention });
  }
  return outcomes;
}

export const HISTORY_MAINTENANCE_SCHEDULER = "history-maintenance";

/** Runs maintainHistory every HISTORY_MAINTENANCE_INTERVAL_SEC, in whichever worker takes the job. */
export const historyMaintenanceJob = defineJob({
  id: "history-maintenance",
  payload: z.object({}),
  createHandler: (deps: HistoryMaintenanceDependencies) =>
    async function maintainHistoryJob() {
      return maintainHistory(deps);
    },
});
