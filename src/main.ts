import cluster from "node:cluster";
import { existsSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig, type AppConfig } from "./config/env";
import { StartupError } from "./errors/startup-error";
import { PROJECT_ROOT } from "./config/project-root";
import { createLogger, type Logger } from "./logging/logger";
import { startService } from "./service";
import { isWebClusterPrimary, startWebCluster, webWorkerConfig } from "./web-cluster";

/** Process entry point: config, start, and a graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const envFile = path.join(PROJECT_ROOT, ".env");
  // variables already in the environment win over the file
  if (existsSync(envFile)) process.loadEnvFile(envFile);

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  if (cluster.isWorker) config = webWorkerConfig(config);
  const logger = createLogger(config.LOG_LEVEL, cluster.isWorker ? { role: config.ROLE, worker: cluster.worker?.id } : { role: config.ROLE });
  // said once: by the primary, not again by each of its HTTP processes
  if (cluster.isPrimary) warnIfPushesAreOpen(config, logger);

  let service;
  try {
    service = isWebClusterPrimary(config) ? await startWebCluster(config, logger) : await startService(config, logger);
  } catch (error) {
    // a dependency that is away or refuses us is one line to act on; anything else is a bug and keeps its stack
    if (error instanceof StartupError) logger.fatal(`cannot start: ${error.message}`);
    else logger.fatal({ err: error }, "cannot start");
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing in-flight requests and jobs");
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "graceful stop timed out");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function warnIfPushesAreOpen(config: AppConfig, logger: Logger): void {
  if (config.PUSH_AUTH !== "none") return;
  if (config.PUSH_ALLOW_UNAUTHENTICATED_REMOTE) {
    logger.warn("PUSH_AUTH=none with PUSH_ALLOW_UNAUTHENTICATED_REMOTE=true: anyone who can reach this service can push data");
  } else {
    logger.warn("PUSH_AUTH=none: pushes are accepted from this host only; set PUSH_AUTH=basic or oauth2 to receive TCCC's");
  }
}

main().catch((error: unknown) => {
  console.error("failed to start:", error);
  process.exit(1);
});
