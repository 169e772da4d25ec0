import { readFile } from "node:fs/promises";
import path from "node:path";
import { openDatabase } from "../../src/persistence/database";
import { createLogger } from "../../src/logging/logger";
import { TEST_DATABASE_URL } from "../support/test-env";

const DICTIONARY = path.resolve(__dirname, "../../docs/data-dictionary.md");

/**
 * The tables and views docs/data-dictionary.md documents, with their columns: each `### name: ...` heading and the
 * first table under it, whose first cell names one column or several (`caller, callee`).
 */
export function documentedRelations(markdown: string): Map<string, string[]> {
  const relations = new Map<string, string[]>();
  let current: string | undefined;
  let inTable = false;
  for (const line of markdown.split("\n")) {
    const heading = /^### ([a-z_][a-z0-9_]*):/.exec(line);
    if (heading) {
      current = heading[1]!;
      inTable = false;
      relations.set(current, []);
      continue;
    }
    if (line.startsWith("#")) current = undefined;
    if (!current) continue;
    if (line.startsWith("| column |")) inTable = true;
    else if (inTable && line.startsWith("|") && !line.startsWith("| ---")) {
      relations.get(current)!.push(...line.split("|")[1]!.split(",").map((name) => name.trim().replace(/`/g, "")));
    } else if (inTable && !line.startsWith("|")) {
      inTable = false;
      current = undefined;
    }
  }
  return relations;
}

describe("docs/data-dictionary.md", () => {
  const database = openDatabase({ url: TEST_DATABASE_URL, poolSize: 1, connectTimeoutMs: 5000, logger: createLogger("silent") });
  afterAll(() => database.close());

  it("documents every table, view and column the migrations create, and nothing they do not", async () => {
    // a month partition is where a partitioned table keeps its rows, not a table of its own to document
    const rows = await database.prisma.$queryRaw<{ relation: string; column: string }[]>`
      SELECT c.table_name AS relation, c.column_name AS column
      FROM information_schema.columns c
      JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
      WHERE c.table_schema = 'public' AND c.table_name <> '_prisma_migrations' AND NOT k.relispartition
      ORDER BY c.table_name, c.ordinal_position`;
    const inDatabase = new Map<string, string[]>();
    for (const { relation, column } of rows) inDatabase.set(relation, [...(inDatabase.get(relation) ?? []), column]);
    const documented = documentedRelations(await readFile(DICTIONARY, "utf8"));

    const names = (relations: Map<string, string[]>) => new Set([...relations].flatMap(([relation, columns]) => [relation, ...columns.map((column) => `${relation}.${column}`)]));
    const [inSchema, inDictionary] = [names(inDatabase), names(documented)];

    expect({
      undocumented: [...inSchema].filter((name) => !inDictionary.has(name)),
      documentedButAbsent: [...inDictionary].filter((name) => !inSchema.has(name)),
    }).toEqual({ undocumented: [], documentedButAbsent: [] });
    expect(inSchema.size).toBeGreaterThan(200);
  });

  it("is read the way it is written: a heading's table, its multi-column rows, and nothing outside them", () => {
    const markdown = ["### call_facts: one row", "", "| column | type | meaning |", "| --- | --- | --- |", "| caller, callee | text | numbers |", "| `start_at` | timestamptz | |", "", "| column | x |", "| not_this | |", "### Local days", "| column | x |", "| nor_this | |"].join("\n");
    expect(documentedRelations(markdown)).toEqual(new Map([["call_facts", ["caller", "callee", "start_at"]]]));
  });
});
