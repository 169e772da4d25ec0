import pg from "pg";
import { ensureDatabaseExists } from "../../src/persistence/migrations/migrations";

/**
 * Each bench:ingest target writes to a database of its own, `<BENCH_DATABASE_URL's name>_<target>`, dropped and
 * created again at every bench run: no target sees another's tables (the service's migrations refuse a schema that
 * holds tables they did not create) and every run starts from empty tables.
 */
export function targetDatabaseUrl(benchDatabaseUrl: string, target: string): string {
  const url = new URL(benchDatabaseUrl);
  url.pathname = `/${decodeURIComponent(url.pathname.slice(1))}_${target}`;
  return url.toString();
}

export const databaseName = (databaseUrl: string) => decodeURIComponent(new URL(databaseUrl).pathname.slice(1));

/** PostgreSQL's maintenance database on the same server, for what cannot be done from inside a database. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = "/postgres";
  return url.toString();
}

export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${databaseName(databaseUrl).replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  await ensureDatabaseExists(databaseUrl);
}
