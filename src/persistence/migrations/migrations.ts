import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { MigrationList } from "@prisma/schema-engine-wasm" with { "resolution-mode": "import" };
import { withSchemaEngine } from "./schema-engine";

import { PROJECT_ROOT } from "../../config/project-root";

const PRISMA_DIR = path.join(PROJECT_ROOT, "prisma");

export interface MigrationPaths {
  schemaPath: string;
  migrationsDir: string;
}

export const defaultMigrationPaths = (prismaDir = PRISMA_DIR): MigrationPaths => ({
  schemaPath: path.join(prismaDir, "schema.prisma"),
  migrationsDir: path.join(prismaDir, "migrations"),
});

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Reads prisma/migrations the way `prisma migrate` does: one folder per migration, applied in name order. */
export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      folders.map(async (folder) => ({
        path: folder,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(migrationsDir, folder, "migration.sql"), "utf8")
            .then((sql) => ({ tag: "ok" as const, value: sql }))
            .catch((error: Error) => ({ tag: "error" as const, value: error.message })),
        },
      })),
    ),
  } as MigrationList;
}

/** Creates the database named in the URL when it does not exist yet, as `prisma migrate deploy` does. */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new Error("DATABASE_URL names no database");
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = "/postgres";
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "42P04") return false; // created concurrently by another instance
    throw error;
  } finally {
    await client.end();
  }
}

/** Applies pending migrations and records them in `_prisma_migrations`, exactly as `prisma migrate deploy`. */
export async function applyPendingMigrations(databaseUrl: string, paths = defaultMigrationPaths()): Promise<string[]> {
  await ensureDatabaseExists(databaseUrl);
  const migrationsList = await readMigrationList(paths.migrationsDir);
  return withSchemaEngine(databaseUrl, paths.schemaPath, async ({ engine }) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return appliedMigrationNames;
  });
}

/**
 * The SQL that would bring a database built from the migrations to what schema.prisma describes; empty when they agree.
 * Uses a temporary shadow database on the same server, as `prisma migrate diff` does.
 */
export async function diffMigrationsToSchema(databaseUrl: string, paths = defaultMigrationPaths()): Promise<string> {
  const migrationsList = await readMigrationList(paths.migrationsDir);
  return withSchemaEngine(databaseUrl, paths.schemaPath, async ({ engine, schemaFile }) => {
    const from = migrationsList.migrationDirectories.length > 0 ? { tag: "migrations" as const, ...migrationsList } : { tag: "empty" as const };
    const result = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [schemaFile] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = result.stdout ?? "";
    return /^\s*(-- This is an empty migration\.)?\s*$/.test(sql) ? "" : sql;
  });
}
