import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { adminApiRouter } from "./admin/admin-router";
import { createPushAdminService } from "./admin/push-admin-service";
import { createReconcileAdminService } from "./admin/reconcile-admin-service";
import { createRecordingAdminService } from "./admin/recording-admin-service";
import { adminPageRouter } from "./admin/page/admin-page-router";
import { queueBoardRouter } from "./admin/queue-board-router";
import { replayPushesJob } from "./admin/replay-pushes-job";
import { replayTelCdrRecordsJob } from "./admin/replay-tel-cdr-records-job";
import type { AppConfig } from "./config/env";
import { createApp } from "./http/app";
import { createJobQueues, type JobQueues } from "./jobs/job-queues";
import type { Logger } from "./logging/logger";
import { createMetrics, type Metrics } from "./observability/metrics";
import { registerStateGauges } from "./observability/state-gauges";
import { openDatabase, type DatabaseHandle } from "./persistence/database";
import { applyPendingMigrationsInThread } from "./persistence/migrations/migrate-in-thread";
import { createPushIntakeService } from "./push-intake/push-intake-service";
import { createReconciliationService, type ReconciliationService } from "./reconciliation/reconciliation-service";
import { createRecordingMirror } from "./recording-mirror/recording-mirror";

export interface RunningService {
  /** Set when this process serves HTTP (ROLE all or api). */
  url?: string;
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
  if (config.MIGRATE_ON_START) {
    // in a thread that ends afterwards, so the schema engine does not stay resident for the life of the process
    const applied = await applyPendingMigrationsInThread(config.DATABASE_URL);
    if (applied.length > 0) logger.info({ applied }, "applied database migrations");
  }
  const database = openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    logger,
  });
  const { prisma } = database;
  const jobs = createJobQueues({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, logger });
  const metrics = createMetrics();

  const mirror = createRecordingMirror({ config, jobs, sql: prisma, logger, metrics });
  const onRecordingsStored = mirror.queueMirrorJobs;
  const intake = createPushIntakeService({ prisma, logger, onRecordingsStored });
  const pushAdmin = createPushAdminService({ prisma, onRecordingsStored });
  const replayJob = replayPushesJob(pushAdmin);
  const reconciliation = createReconciliationService({ config, prisma, jobs, logger, onRecordingsStored });
  const reconcileAdmin = createReconcileAdminService(prisma, reconciliation, onRecordingsStored);
  const replayTelCdrJob = replayTelCdrRecordsJob(reconcileAdmin);
  const recordingAdmin = createRecordingAdminService(prisma, onRecordingsStored);
  const queueIds = [replayJob.id, replayTelCdrJob.id, ...mirror.queueIds, ...(reconciliation?.queueIds ?? [])];
  registerStateGauges(metrics, { prisma, jobs, queueIds });

  if (config.ROLE !== "api") {
    jobs.startWorker(replayJob);
    jobs.startWorker(replayTelCdrJob);
    await mirror.start();
    await reconciliation?.start();
  }

  let server: Server | undefined;
  if (config.ROLE !== "worker") {
    const app = createApp({
      config,
      logger,
      metrics,
      intake,
      readinessProbes: { postgres: () => prisma.$queryRaw`SELECT 1`, redis: () => jobs.ping() },
      adminRouters: [
        adminPageRouter({ adminToken: config.ADMIN_TOKEN, pushAdmin, reconcileAdmin, recordingAdmin, jobs, replayJob, queueIds }),
        queueBoardRouter(config.ADMIN_TOKEN, jobs, queueIds),
        adminApiRouter({ adminToken: config.ADMIN_TOKEN, pushAdmin, reconcileAdmin, recordingAdmin, jobs, replayJob, replayTelCdrJob }),
      ],
    });
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? reject(error) : resolve(listening)));
    });
    // TCCC may keep connections alive; a keep-alive timeout above a typical proxy's avoids resets under load
    server.keepAliveTimeout = 65_000;
  }
  const address = server?.address() as AddressInfo | undefined;
  const url = address ? `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}` : undefined;
  logger.info({ role: config.ROLE, url }, "service started");

  return {
    url,
    database,
    jobs,
    metrics,
    reconciliation,
    async stop() {
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      await reconciliation?.stop();
      await jobs.close();
      mirror.close();
      await database.close();
      logger.info("service stopped");
    },
  };
}
