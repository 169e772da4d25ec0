import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppConfig } from "./config/env";
import { createApp } from "./http/app";
import { createJobQueues, type JobQueues } from "./jobs/job-queues";
import type { Logger } from "./logging/logger";
import { openDatabase, type DatabaseHandle } from "./persistence/database";
import { applyPendingMigrations } from "./persistence/migrations/migrations";
import { createPushIntakeService } from "./push-intake/push-intake-service";
import { createRecordingMirror } from "./recording-mirror/recording-mirror";

export interface RunningService {
  /** Set when this process serves HTTP (ROLE all or api). */
  url?: string;
  database: DatabaseHandle;
  jobs: JobQueues;
  /** Graceful: stop accepting, finish in-flight requests and jobs, close pools. */
  stop(): Promise<void>;
}

/** The composition root: builds every service from the config and starts what ROLE asks for. */
export async function startService(config: AppConfig, logger: Logger): Promise<RunningService> {
  if (config.MIGRATE_ON_START) {
    const applied = await applyPendingMigrations(config.DATABASE_URL);
    if (applied.length > 0) logger.info({ applied }, "applied database migrations");
  }
  const database = openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    logger,
  });
  const jobs = createJobQueues({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, logger });
  const mirror = createRecordingMirror({ config, jobs, sql: database.prisma, logger });
  const intake = createPushIntakeService({ prisma: database.prisma, logger, onRecordingsStored: mirror.queueMirrorJobs });
  if (config.ROLE !== "api") await mirror.start();

  let server: Server | undefined;
  if (config.ROLE !== "worker") {
    const app = createApp({ config, logger, intake });
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
    async stop() {
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      await jobs.close();
      mirror.close();
      await database.close();
      logger.info("service stopped");
    },
  };
}
