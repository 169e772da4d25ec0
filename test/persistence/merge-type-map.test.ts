import { readFileSync } from "node:fs";
import path from "node:path";
import { MERGED_TABLES } from "../../src/persistence/call-records-repository";
import { snakeCase } from "../../src/persistence/sql-json";

/**
 * The merge-upserts name every column and its SQL type by hand (call-records-repository.ts); a typo there would still
 * compile. This checks each against prisma/schema.prisma (which a migration test keeps equal to the migrations).
 */
interface ModelField {
  column: string;
  sqlType: string;
}

const PRISMA_TO_SQL: Record<string, string> = { String: "text", Int: "integer", BigInt: "bigint", Json: "jsonb", Boolean: "boolean", DateTime: "timestamp" };
const NATIVE_TO_SQL: Record<string, string> = { SmallInt: "smallint", Integer: "integer", Timestamptz: "timestamptz", Text: "text", Uuid: "uuid" };

/** Models by table name: each field's column and SQL type, from the `@map`, `@db.*` and `[]` of its line. */
function modelsOf(schema: string): Map<string, Map<string, ModelField>> {
  const models = new Map<string, Map<string, ModelField>>();
  for (const [, body] of schema.matchAll(/^model \w+ \{\n([\s\S]*?)^\}/gm)) {
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1];
    if (!table) continue;
    const fields = new Map<string, ModelField>();
    for (const line of body!.split("\n")) {
      const field = /^\s+(\w+)\s+(\w+)(\[\])?\??\s*(.*)$/.exec(line);
      if (!field || line.trim().startsWith("//") || line.trim().startsWith("@@")) continue;
      const [, name, type, list, attributes] = field as unknown as [string, string, string, string | undefined, string];
      const native = /@db\.(\w+)/.exec(attributes)?.[1];
      const base = native ? NATIVE_TO_SQL[native] : PRISMA_TO_SQL[type];
      if (!base) continue;
      fields.set(name, { column: /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? name, sqlType: `${base}${list ? "[]" : ""}` });
    }
    models.set(table, fields);
  }
  return models;
}

const models = modelsOf(readFileSync(path.join(__dirname, "../../prisma/schema.prisma"), "utf8"));

describe("the merge-upserts' type map", () => {
  it.each(MERGED_TABLES.map((table) => [table.table, table] as const))("%s: every key and column exists in schema.prisma with that name and SQL type", (_, table) => {
    const model = models.get(table.table);
    expect(model).toBeDefined();
    const declared = { ...table.keys, ...Object.fromEntries(Object.entries(table.columns).map(([field, column]) => [field, column.type])) };
    const inSchema = Object.fromEntries(Object.keys(declared).map((field) => [field, model?.get(field) ?? "not in schema.prisma"]));

    expect(inSchema).toEqual(Object.fromEntries(Object.entries(declared).map(([field, sqlType]) => [field, { column: snakeCase(field), sqlType }])));
  });

  it("reads schema.prisma's types as PostgreSQL has them, so that the check above can fail", () => {
    const sessions = models.get("call_sessions");
    expect(sessions?.get("direction")).toEqual({ column: "direction", sqlType: "smallint" });
    expect(sessions?.get("surveyKeys")).toEqual({ column: "survey_keys", sqlType: "text[]" });
    expect(sessions?.get("startAt")).toEqual({ column: "start_at", sqlType: "timestamptz" });
    expect(sessions?.get("ivrKeyPressed")).toEqual({ column: "ivr_key_pressed", sqlType: "jsonb" });
    expect(sessions?.get("queuedSkillGroupId")).toEqual({ column: "queued_skill_group_id", sqlType: "bigint" });
  });
});
