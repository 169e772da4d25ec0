/**
 * Applies pending prisma/migrations offline, recording them in _prisma_migrations as `prisma migrate deploy` does;
 * then creates the month partitions of the history tables, moving into them the rows the DEFAULT partitions hold
 * (after the upgrade to partitions, every row: minutes for millions, better spent here than under live pushes).
 */
import { loadConfig } from "../src/config/env";
import { maintainHistory } from "../src/history/history-maintenance-job";
import { createLogger } from "../src/logging/logger";
import { openDatabase } from "../src/persistence/database";
import { applyPendingMigrations } from "../src/persistence/migrations/migrations";

async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await applyPendingMigrations(config.DATABASE_URL);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
  // what was done is printed below; the log says only what went wrong
  const logger = createLogger("warn");
  const database = openDatabase({ url: config.DATABASE_URL, poolSize: 1, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS, logger });
  try {
    const outcomes = await maintainHistory({ prisma: database.prisma, config, logger }, { retention: false });
    const created = outcomes.flatMap((outcome) => outcome.created);
    if (created.length > 0) console.log(`created partitions: ${created.join(", ")}`);
  } finally {
    await database.close();
  }
}

main().then(
  // the engine leaves a lock-timeout timer behind that would hold the process for seconds
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
