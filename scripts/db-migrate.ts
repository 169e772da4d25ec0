/** Applies pending prisma/migrations offline, recording them in _prisma_migrations as `prisma migrate deploy` does. */
import { loadConfig } from "../src/config/env";
import { applyPendingMigrations } from "../src/persistence/migrations/migrations";

applyPendingMigrations(loadConfig().DATABASE_URL).then(
  (applied) => {
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
    // the engine leaves a lock-timeout timer behind that would hold the process for seconds
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
