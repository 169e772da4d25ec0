import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { applyPendingMigrations, defaultMigrationPaths } from "../../src/persistence/migrations/migrations";
import { TEST_DATABASE_URL } from "../support/test-env";

/** The runner with migrations of its own, on a database of its own. */
describe("a migration script", () => {
  const name = `${new URL(TEST_DATABASE_URL).pathname.slice(1)}_scripts`;
  const url = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${name}` }).toString();
  const onServer = async (sql: string) => {
    const admin = new pg.Client({ connectionString: Object.assign(new URL(TEST_DATABASE_URL), { pathname: "/postgres" }).toString() });
    await admin.connect();
    await admin.query(sql).finally(() => admin.end());
  };
  let scratch: string;
  const migrate = async (migrations: Record<string, string>) => {
    for (const [folder, sql] of Object.entries(migrations)) {
      await mkdir(path.join(scratch, folder), { recursive: true });
      await writeFile(path.join(scratch, folder, "migration.sql"), sql);
    }
    return applyPendingMigrations(url, { schemaPath: defaultMigrationPaths().schemaPath, migrationsDir: scratch });
  };
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return (await client.query(sql).finally(() => client.end())).rows;
  };
  beforeEach(async () => {
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    scratch = await mkdtemp(path.join(tmpdir(), "migration-scripts-"));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it("is run whole: a ; in a string, a comment or a PL/pgSQL body belongs to its statement", async () => {
    const applied = await migrate({
      "20260101000000_semicolons": `
        -- a comment; with a semicolon
        CREATE TABLE "notes" ("text" TEXT NOT NULL);
        INSERT INTO "notes" VALUES ('one; two'), ($tag$three; four$tag$);
        /* a block comment; too */
        CREATE FUNCTION "note_count"() RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE counted bigint;
        BEGIN
          SELECT count(*) INTO counted FROM notes;
          RETURN counted;
        END
        $$;`,
    });

    expect(applied).toEqual(["20260101000000_semicolons"]);
    expect(await query(`SELECT text FROM notes ORDER BY text`)).toEqual([{ text: "one; two" }, { text: "three; four" }]);
    expect(await query(`SELECT note_count()::int AS count`)).toEqual([{ count: 2 }]);
  });

  it("is one transaction: when a statement fails, nothing of the migration is applied", async () => {
    await migrate({ "20260101000000_first": `CREATE TABLE "kept" ("id" INT)` });

    await expect(migrate({ "20260102000000_broken": `CREATE TABLE "half" ("id" INT); INSERT INTO "kept" VALUES (1); SELECT 1/0;` })).rejects.toThrow(/division by zero/);

    expect(await query(`SELECT to_regclass('half') IS NULL AS gone, (SELECT count(*)::int FROM kept) AS kept`)).toEqual([{ gone: true, kept: 0 }]);
    expect(await query(`SELECT migration_name, finished_at IS NULL AS failed FROM _prisma_migrations ORDER BY migration_name`)).toEqual([
      { migration_name: "20260101000000_first", failed: false },
      { migration_name: "20260102000000_broken", failed: true },
    ]);
  });
});
