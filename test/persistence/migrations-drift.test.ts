import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { defaultMigrationPaths, diffMigrationsToSchema } from "../../src/persistence/migrations/migrations";
import { TEST_DATABASE_URL } from "../support/test-env";

describe("prisma/migrations and schema.prisma", () => {
  it("describe the same database: no SQL is needed to go from the migrations to the schema", async () => {
    const drift = await diffMigrationsToSchema(TEST_DATABASE_URL);

    expect(drift).toBe("");
  });

  it("are caught drifting apart when the schema changes without a migration", async () => {
    const paths = defaultMigrationPaths();
    const scratch = await mkdtemp(path.join(tmpdir(), "drift-"));
    try {
      await cp(paths.migrationsDir, path.join(scratch, "migrations"), { recursive: true });
      const schema = await readFile(paths.schemaPath, "utf8");
      await writeFile(
        path.join(scratch, "schema.prisma"),
        schema.replace("  remark               String?\n", "  remark               String?\n  driftProbe           String? @map(\"drift_probe\")\n"),
      );

      const drift = await diffMigrationsToSchema(TEST_DATABASE_URL, { schemaPath: path.join(scratch, "schema.prisma"), migrationsDir: path.join(scratch, "migrations") });

      expect(drift).toContain('ADD COLUMN     "drift_probe" TEXT');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
