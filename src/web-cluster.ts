import cluster, { type Worker } from "node:cluster";
import type { AppConfig } from "./config/env";
import type { Logger } from "./logging/logger";
import { migrateAtStart, startService, type RunningService } from "./service";

/**
 * WEB_CONCURRENCY=N (N > 1, ROLE all or api): one Node.js thread per push is what a process can give, so N HTTP
 * processes share PORT through node:cluster, the primary handing each new connection to the next of them in turn.
 * The primary applies the migrations before any of them starts and, with ROLE=all, runs the background workers
 * (mirror, reconciliation, replays) itself, once; the HTTP processes run as ROLE=api. Each process keeps its own
 * metrics: /metrics on PORT describes the process that took the connection (METRICS_PORT is refused in this mode).
 *
 * Several processes write at once without changing what a push is promised: each has its own group commit, and a
 * push uuid arriving at two of them is settled by the unique index of push_inbox (the second waits for the first's
 * commit and is answered as a duplicate). SIGTERM or SIGINT to the primary is passed to every HTTP process, each
 * finishes what it accepted and exits; then the primary stops its own work. An HTTP process that dies is replaced.
 */

const RESTART_DELAY_MS = 1000;

export const isWebClusterPrimary = (config: AppConfig) => config.WEB_CONCURRENCY > 1 && config.ROLE !== "worker" && cluster.isPrimary;

/** The configuration of an HTTP process of the cluster: what the primary does is not done again N times. */
export function webWorkerConfig(config: AppConfig): AppConfig {
  return { ...config, ROLE: "api", MIGRATE_ON_START: false };
}

export async function startWebCluster(config: AppConfig, logger: Logger): Promise<Pick<RunningService, "stop">> {
  if (config.MIGRATE_ON_START) await migrateAtStart(config, logger);
  let stopping = false;
  const workers = new Set<Worker>();

  const fork = (): Promise<Worker> => {
    const worker = cluster.fork();
    workers.add(worker);
    const listening = new Promise<Worker>((resolve, reject) => {
      worker.once("listening", () => resolve(worker));
      worker.once("exit", (code, signal) => reject(new Error(`HTTP process ${worker.id} exited with ${signal ?? code} before it listened`)));
    });
    worker.once("exit", (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      logger.error({ worker: worker.id, code, signal }, "HTTP process exited; starting another");
      setTimeout(() => {
        if (!stopping) fork().catch((error: unknown) => logger.error({ err: error }, "HTTP process could not be replaced"));
      }, RESTART_DELAY_MS).unref();
    });
    return listening;
  };

  const stopWorkers = () =>
    Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once("exit", () => resolve());
            worker.process.kill("SIGTERM");
          }),
      ),
    );

  try {
    await Promise.all(Array.from({ length: config.WEB_CONCURRENCY }, fork));
  } catch (error) {
    stopping = true;
    await stopWorkers();
    throw error;
  }
  const background = config.ROLE === "all" ? await startService({ ...config, ROLE: "worker", MIGRATE_ON_START: false }, logger) : undefined;
  logger.info({ processes: config.WEB_CONCURRENCY, port: config.PORT, backgroundWorkers: config.ROLE === "all" }, "HTTP processes started");

  return {
    async stop() {
      stopping = true;
      await stopWorkers();
      await background?.stop();
    },
  };
}
