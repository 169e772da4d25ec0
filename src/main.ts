import { existsSync } from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "./config/env";
import { PROJECT_ROOT } from "./config/project-root";
import { createLogger } from "./logging/logger";
import { startService } from "./service";

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
  const logger = createLogger(config.LOG_LEVEL, { role: config.ROLE });
  if (config.PUSH_AUTH === "none") logger.warn("PUSH_AUTH=none: anyone who can reach this service can push data");

  const service = await startService(config, logger);

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

main().catch((error: unknown) => {
  console.error("failed to start:", error);
  process.exit(1);
});
