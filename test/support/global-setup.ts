import { execFileSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { TEST_DATABASE_URL } from "./test-env";

/**
 * Every run starts from an empty, freshly migrated test database. Tests keep apart by random application ids, but
 * some work is global by design (the mirror sweep takes the oldest pending rows of the whole table), so rows left by
 * earlier runs would make such tests depend on the machine's history. Migrating is done in a child process, because
 * the schema engine leaves a timer behind that would keep jest from exiting.
 */
export default async function globalSetup(): Promise<void> {
  await dropTestDatabase(TEST_DATABASE_URL);
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("tsx/cli"), path.join(root, "scripts/db-migrate.ts")], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, NODE_OPTIONS: "" },
    stdio: "inherit",
  });
}

async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  // a wrong TEST_DATABASE_URL must never cost anyone their data
  if (!/test/i.test(name)) throw new Error(`refusing to reset "${name}": a test database's name must contain "test" (TEST_DATABASE_URL)`);
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
