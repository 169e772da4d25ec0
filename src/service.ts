import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express } from "express";
import { adminSurface } from "./admin/admin-surface";
import { createPushAdminService } from "./admin/push-admin-service";
import { createReconcileAdminService } from "./admin/reconcile-admin-service";
import { createRecordingAdminService } from "./admin/recording-admin-service";
import { replayPushesJob } from "./admin/replay-pushes-job";
import { replayTelCdrRecordsJob } from "./admin/replay-tel-cdr-records-job";
import { applyAnalyticsSettings } from "./analytics/analytics-settings";
import type { AppConfig } from "./config/env";
import { errorReason, StartupError } from "./errors/startup-error";
import { historyMaintenanceJob, HISTORY_MAINTENANCE_SCHEDULER, maintainHistory } from "./history/history-maintenance-job";
import { createApp } from "./http/app";
import { createJobQueues, type JobQueues } from "./jobs/job-queues";
import { PROJECT_ROOT } from "./config/project-root";
import type { Logger } from "./logging/logger";
import { urlWithoutPassword } from "./logging/redact-url";
import { createMetrics, type Metrics } from "./observability/metrics";
import { metricsRouter } from "./observability/metrics-router";
import { registerStateGauges } from "./observability/state-gauges";
import { openDatabase, type DatabaseHandle } from "./persistence/database";
import { classifyDatabaseError, DatabaseUnavailableError } from "./persistence/database-errors";
import { applyPendingMigrationsInThread } from "./persistence/migrations/migrate-in-thread";
import { createPushIntakeService } from "./push-intake/push-intake-service";
import { batchesInFlightPerProcess } from "./push-intake/push-writer";
import { createReconciliationService, type ReconciliationService } from "./reconciliation/reconciliation-service";
import { telCdrApiFromConfig } from "./reconciliation/tel-cdr-api";
import { queueMirrorJobs } from "./recording-mirror/mirror-jobs";
import { createRecordingMirror, MIRROR_QUEUE_IDS } from "./recording-mirror/recording-mirror";
import { createStorage } from "./recording-mirror/storage/create-storage";
import { createRedisConnections } from "./redis/redis-connections";

/** While stopping, how often connections that finished their request are closed. */
const IDLE_SWEEP_MS = 100;

export interface RunningService {
  /** Set when this process serves HTTP (ROLE all or api). */
  url?: string;
  /** The HTTP application behind url, for tests that look at its routes. */
  app?: Express;
  /** Set when METRICS_PORT is. */
  metricsUrl?: string;
  database: DatabaseHandle;
  jobs: JobQueues;
  metrics: Metrics;
  /** Set when TCCC API credentials are configured. */
  reconciliation?: ReconciliationService;
  /** Graceful: stop accepting, finish in-flight requests and jobs, close pools. */
  stop(): Promise<void>;
}

/** The composition root: builds every service from the config and starts what ROLE asks for. */
export async function startService(config: AppConfig, logger: Logger): Promise<RunningService> {
  if (config.MIGRATE_ON_START) await migrateAtStart(config, logger);
  const database = openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    logger,
  });
  const { prisma } = database;
  const redis = createRedisConnections({ url: config.REDIS_URL, cluster: config.REDIS_CLUSTER, logger, name: `${config.QUEUE_PREFIX}:${config.ROLE}` });
  const jobs = createJobQueues({ redis, prefix: config.QUEUE_PREFIX, logger });
  const storage = createStorage(config, PROJECT_ROOT, logger);
  const api = telCdrApiFromConfig(config);
  const metrics = createMetrics();
  // the service starts without them (pushes answer 503 until PostgreSQL is back; Redis only moves work): say so once
  if (!config.MIGRATE_ON_START) warnIfUnreachable(logger, "PostgreSQL", config.DATABASE_URL, () => prisma.$queryRaw`SELECT 1`, "pushes are refused with 503 until it answers");
  warnIfUnreachable(logger, "Redis", config.REDIS_URL, () => jobs.ping(), "pushes are still stored; mirror and reconciliation work resumes when it answers");
  // written while the rest starts, and awaited before the service says it has started
  const analyticsSettings = applyAnalyticsSettings(prisma, config.ANALYTICS_TIME_ZONE, logger).then(() => undefined, (error: unknown) => error);

  const mirror = createRecordingMirror({ config, jobs, sql: prisma, storage, logger, metrics });
  const onRecordingsStored = (recordingIds: readonly bigint[]) => queueMirrorJobs(jobs, config, recordingIds);
  const intake = createPushIntakeService({ pool: database.pool, logger, maxConcurrentBatches: batchesInFlightPerProcess(config.WEB_CONCURRENCY), onRecordingsStored });
  const pushAdmin = createPushAdminService({ prisma, onRecordingsStored });
  if (!api) logger.info("reconciliation disabled: TCCC_SECRET_ID and TCCC_SECRET_KEY are not set");
  const reconciliation = api ? createReconciliationService({ config, prisma, jobs, logger, onRecordingsStored, api, redis: redis.open("commands", "reconciliation") }) : undefined;
  const reconcileAdmin = createReconcileAdminService(prisma, reconciliation, onRecordingsStored);
  const recordingAdmin = createRecordingAdminService(prisma, onRecordingsStored);
  const historyDependencies = { prisma, config, logger, metrics };
  const queueIds = [replayPushesJob.id, replayTelCdrRecordsJob.id, historyMaintenanceJob.id, ...MIRROR_QUEUE_IDS, ...(reconciliation?.queueIds ?? [])];
  registerStateGauges(metrics, { prisma, jobs, queueIds, logger, intervalSec: config.METRICS_STATE_INTERVAL_SEC });

  // this month's partition and the next ones. Not awaited: until they exist pushes are stored all the same (in the
  // DEFAULT partition, whose rows move into the month's partition when it is created), and PostgreSQL may be away
  void maintainHistory(historyDependencies, { retention: false }).catch((error: unknown) =>
    logger.warn({ err: error }, "could not create the month partitions at start; the history-maintenance job will"),
  );

  if (config.ROLE !== "api") {
    jobs.startWorker(replayPushesJob, pushAdmin);
    jobs.startWorker(replayTelCdrRecordsJob, reconcileAdmin);
    jobs.startWorker(historyMaintenanceJob, historyDependencies);
    // not awaited: with Redis away it waits for Redis, and the start must not
    void jobs
      .declareSchedules("history maintenance", () => jobs.schedule(historyMaintenanceJob, HISTORY_MAINTENANCE_SCHEDULER, config.HISTORY_MAINTENANCE_INTERVAL_SEC * 1000, {}))
      .catch((error: unknown) => logger.warn({ err: error }, "could not schedule the history maintenance"));
    await mirror.start();
    await reconciliation?.start();
  }

  const servers: Server[] = [];
  let app: Express | undefined;
  let url: string | undefined;
  if (config.ROLE !== "worker") {
    const surface = createApp({
      config,
      logger,
      metrics,
      intake,
      readinessProbes: { postgres: () => prisma.$queryRaw`SELECT 1`, redis: () => jobs.ping() },
      admin: adminSurface({ config, prisma, logger, storage, pushAdmin, reconcileAdmin, recordingAdmin, jobs, queueIds }),
    });
    app = surface.app;
    const server = await listen(surface.listener, config.HOST, config.PORT);
    // TCCC may keep connections alive; a keep-alive timeout above a typical proxy's avoids resets under load
    server.keepAliveTimeout = 65_000;
    servers.push(server);
    url = serverUrl(server);
  }
  let metricsUrl: string | undefined;
  if (config.METRICS_PORT !== undefined) {
    // a port of its own, in every role (a worker has no other): opened by the operator, so open to whoever reaches it
    const metricsApp = express().disable("x-powered-by").use(metricsRouter(metrics, config.METRICS_TOKEN, { open: true }));
    const metricsServer = await listen(metricsApp, config.HOST, config.METRICS_PORT);
    servers.push(metricsServer);
    metricsUrl = serverUrl(metricsServer);
  }
  const analyticsFailure = await analyticsSettings;
  if (analyticsFailure) throw analyticsFailure;
  logger.info({ role: config.ROLE, url, metricsUrl }, "service started");

  return {
    url,
    app,
    metricsUrl,
    database,
    jobs,
    metrics,
    reconciliation,
    async stop() {
      await Promise.all(
        servers.map((server) => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          // a client that keeps its connection alive and sends the next push at once would hold it open until the
          // deadline: from now on every answer closes its connection, and connections left idle are closed
          server.on("request", (_req, res: ServerResponse) => res.setHeader("Connection", "close"));
          server.closeIdleConnections();
          const closeIdle = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
          return closed.finally(() => clearInterval(closeIdle));
        }),
      );
      await reconciliation?.stop();
      await jobs.close();
      await redis.closeAll();
      storage.close();
      await database.close();
      logger.info("service stopped");
    },
  };
}

/** MIGRATE_ON_START: a database that is away or refuses us stops the start with one line that says which and where. */
export async function migrateAtStart(config: AppConfig, logger: Logger): Promise<void> {
  const where = `PostgreSQL at ${urlWithoutPassword(config.DATABASE_URL)}`;
  try {
    // in a thread that ends afterwards, so the schema engine does not stay resident for the life of the process
    const applied = await applyPendingMigrationsInThread(config.DATABASE_URL);
    if (applied.length > 0) logger.info({ applied }, "applied database migrations");
  } catch (error) {
    const failure = classifyDatabaseError(error);
    if (failure instanceof DatabaseUnavailableError) throw new StartupError(`${where} is unreachable: ${errorReason(error)}`, { cause: error });
    if (failure) throw new StartupError(`${where} refused to apply the migrations: ${errorReason(error)}`, { cause: error });
    throw error;
  }
}

function warnIfUnreachable(logger: Logger, name: string, url: string, probe: () => Promise<unknown>, consequence: string): void {
  probe().catch((error: unknown) => logger.warn({ reason: errorReason(error) }, `${name} at ${urlWithoutPassword(url)} is unreachable: ${consequence}`));
}

async function listen(listener: RequestListener, host: string, port: number): Promise<Server> {
  const server = createServer(listener);
  return new Promise<Server>((resolve, reject) => {
    const failed = (error: Error) => reject(new StartupError(`cannot listen on ${host}:${port}: ${errorReason(error)}`, { cause: error }));
    server.once("error", failed);
    server.listen(port, host, () => {
      server.removeListener("error", failed);
      resolve(server);
    });
  });
}

function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
}
