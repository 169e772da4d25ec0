import type { AppConfig } from "../config/env";
import { errorReason } from "../errors/startup-error";
import { createJobQueues, type JobQueues } from "../jobs/job-queues";
import type { Logger } from "../logging/logger";
import { openDatabase, type Database, type DatabaseHandle } from "../persistence/database";
import { createReconciliationService, type ReconciliationService } from "../reconciliation/reconciliation-service";
import { telCdrApiFromConfig } from "../reconciliation/tel-cdr-api";
import { createRedisConnections } from "../redis/redis-connections";
import { DependencyUnreachableError, UsageError } from "./exit-codes";

export interface CliOutput {
  /** What the command produced: stdout, for scripts to read. */
  result(line: string): void;
  /** Progress and warnings: stderr, so they never mix with results. */
  note(line: string): void;
}

/**
 * What commands are given: the same service factories the HTTP server uses, opened only when a command asks for
 * them, so that a replay works while Redis is away. Each dependency is probed when opened: an unreachable one is
 * reported as such (exit code 3) instead of surfacing later as some failure of the work.
 */
export interface CliContext {
  config: AppConfig;
  logger: Logger;
  out: CliOutput;
  database(): Promise<Database>;
  jobs(): Promise<JobQueues>;
  reconciliation(): Promise<ReconciliationService>;
  close(): Promise<void>;
}

const REDIS_PROBE_TIMEOUT_MS = 5000;

/** host:port/database, never the credentials a URL may carry. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
}

function once<T>(open: () => Promise<T>): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => (opened ??= open());
}

export function createCliContext(config: AppConfig, logger: Logger, out: CliOutput): CliContext {
  const redis = createRedisConnections({ url: config.REDIS_URL, cluster: config.REDIS_CLUSTER, logger, name: `${config.QUEUE_PREFIX}:cli` });
  let databaseHandle: DatabaseHandle | undefined;
  let jobQueues: JobQueues | undefined;
  let reconciliationService: ReconciliationService | undefined;

  const database = once(async () => {
    databaseHandle = openDatabase({ url: config.DATABASE_URL, poolSize: 4, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS, logger });
    try {
      await databaseHandle.prisma.$queryRaw`SELECT 1`;
    } catch (error) {
      throw new DependencyUnreachableError(`PostgreSQL at ${describeUrl(config.DATABASE_URL)} is unreachable: ${errorReason(error)}`);
    }
    return databaseHandle.prisma;
  });

  const jobs = once(async () => {
    jobQueues = createJobQueues({ redis, prefix: config.QUEUE_PREFIX, logger });
    const probe = jobQueues.ping();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_PROBE_TIMEOUT_MS} ms`)), REDIS_PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([probe, timeout]);
    } catch (error) {
      throw new DependencyUnreachableError(`Redis at ${describeUrl(config.REDIS_URL)} is unreachable: ${errorReason(error)}`);
    } finally {
      clearTimeout(timer);
    }
    return jobQueues;
  });

  const reconciliation = once(async () => {
    const api = telCdrApiFromConfig(config);
    if (!api) throw new UsageError("reconciliation is not configured: set TCCC_SECRET_ID and TCCC_SECRET_KEY");
    const [prisma, queues] = await Promise.all([database(), jobs()]);
    reconciliationService = createReconciliationService({ config, prisma, jobs: queues, logger, api, redis: redis.open("commands", "reconciliation") });
    return reconciliationService;
  });

  return {
    config,
    logger,
    out,
    database,
    jobs,
    reconciliation,
    async close() {
      await reconciliationService?.stop();
      await jobQueues?.close();
      await redis.closeAll();
      await databaseHandle?.close();
    },
  };
}
