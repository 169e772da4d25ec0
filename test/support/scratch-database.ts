import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { applyPendingMigrations, defaultMigrationPaths } from "../../src/persistence/migrations/migrations";
import { TEST_DATABASE_URL } from "./test-env";

export interface ScratchDatabase {
  url: string;
  /** A connection to it, open until drop(). */
  db: pg.Client;
  drop(): Promise<void>;
}

/**
 * A database of its own (`<test database>_<suffix>`) migrated with every migration that sorts before `migration`:
 * what a deployment of the version before it holds, for a test of the upgrade.
 */
export async function scratchDatabaseBefore(migration: string, suffix: string): Promise<ScratchDatabase> {
  const databaseName = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_${suffix}`;
  const url = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${databaseName}` }).toString();
  const server = Object.assign(new URL(TEST_DATABASE_URL), { pathname: "/postgres" }).toString();
  const onServer = async (sql: string) => {
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(sql).finally(() => admin.end());
  };
  await onServer(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await onServer(`CREATE DATABASE "${databaseName}"`);
  const paths = defaultMigrationPaths();
  const scratch = await mkdtemp(path.join(tmpdir(), "upgrade-"));
  const migrationOf = (source: string) => /\/(\d{14}_[a-z0-9_]+)(\/|$)/.exec(source)?.[1] ?? "";
  await cp(paths.migrationsDir, path.join(scratch, "migrations"), { recursive: true, filter: (source) => migrationOf(source) < migration });
  await applyPendingMigrations(url, { schemaPath: paths.schemaPath, migrationsDir: path.join(scratch, "migrations") });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return {
    url,
    db,
    async drop() {
      await db.end();
      await rm(scratch, { recursive: true, force: true });
      await onServer(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    },
  };
}
