import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm" with { "resolution-mode": "import" };

/**
 * Prisma's native schema engine is downloaded on first use, which cannot happen on a machine without internet.
 * The same engine ships on npm compiled to WebAssembly; we instantiate it ourselves so that plain CommonJS
 * `node` can load it without --experimental-wasm-modules.
 */
type EngineModule = typeof import("@prisma/schema-engine-wasm", { with: { "resolution-mode": "import" } }) & { __wbg_set_wasm(wasm: unknown): void };

let enginePromise: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  enginePromise ??= (async () => {
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as EngineModule;
    const wasmPath = path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return glue;
  })();
  return enginePromise;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

interface PgQueryable {
  performIO(query: unknown): Promise<{ fields: { dataTypeID: number }[]; rows: unknown[] }>;
  queryRaw(query: unknown): Promise<{ columnTypes: number[]; rows: unknown[] }>;
  startTransaction?(...args: unknown[]): Promise<unknown>;
}

/**
 * The engine reads pg_catalog columns of PostgreSQL's one-byte "char" type when it describes a schema, and the adapter's
 * type map lacks that type ("Column type 'char' could not be deserialized"). Its values are plain text, so the adapter
 * is told they are text, and the engine is then told they are characters: it reads a CHECK constraint's contype as one
 * (and panics on text).
 */
function readCharColumnsAsText<T extends object>(queryable: T): T {
  const target = queryable as unknown as PgQueryable;
  const performIO = target.performIO.bind(target);
  const queryRaw = target.queryRaw.bind(target);
  // the adapter hands performIO's rows on as they are: they tell which result had which "char" columns
  const charColumnsOf = new WeakMap<unknown[], number[]>();
  target.performIO = async (query) => {
    const result = await performIO(query);
    const charColumns = result.fields.flatMap((field, index) => (field.dataTypeID === PG_CHAR_OID ? [index] : []));
    for (const index of charColumns) (result.fields[index] as { dataTypeID: number }).dataTypeID = PG_TEXT_OID;
    if (charColumns.length > 0) charColumnsOf.set(result.rows, charColumns);
    return result;
  };
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumnsOf.get(result.rows) ?? []) result.columnTypes[index] = ColumnTypeEnum.Character;
    return result;
  };
  const startTransaction = target.startTransaction?.bind(target);
  if (startTransaction) target.startTransaction = async (...args) => readCharColumnsAsText((await startTransaction(...args)) as object);
  return queryable;
}

interface ScriptRunner {
  executeScript(script: string): Promise<void>;
  underlyingDriver(): { query(text: string): Promise<unknown> };
  onError(error: unknown): never;
}

/**
 * The adapter runs a migration script by splitting it at every `;` and sending the pieces one by one, each committed
 * on its own (and on any connection of its pool): a `;` in a string, a comment or a PL/pgSQL body breaks the script,
 * and a failure leaves half a migration applied. Prisma's native engine sends the whole script as one simple query,
 * which PostgreSQL parses itself (quotes, dollar quotes, comments) and runs as one implicit transaction: so does this.
 */
function executeScriptsWhole<T extends object>(adapter: T): T {
  const target = adapter as unknown as ScriptRunner;
  target.executeScript = async (script) => {
    try {
      await target.underlyingDriver().query(script);
    } catch (error) {
      target.onError(error);
    }
  };
  return adapter;
}

export interface EngineSession {
  engine: SchemaEngine;
  schemaFile: { path: string; content: string };
}

/** Runs `work` with a schema engine connected to `databaseUrl`, and always releases the engine. */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schemaPath: string,
  work: (session: EngineSession) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const content = await readFile(schemaPath, "utf8");
  // The engine never disposes the main connection, so we track what we open and close it ourselves. The adapter's own
  // shadow database support is replaced: it builds the shadow pool from a connectionString (which makes pg ignore
  // the shadow database name) and drops the database before closing its pool (which PostgreSQL refuses).
  const clientConfig = parseIntoClientConfig(databaseUrl) as PoolConfig;
  const pg = new PrismaPg(clientConfig);
  const opened: { dispose(): Promise<void> }[] = [];
  const trackingFactory = Object.assign(Object.create(pg) as PrismaPg, {
    connect: async () => {
      const adapter = executeScriptsWhole(readCharColumnsAsText(await pg.connect()));
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const main = await trackingFactory.connect();
      const name = `prisma_migrate_shadow_db_${randomUUID()}`;
      await main.executeScript(`CREATE DATABASE "${name}"`);
      const shadow = executeScriptsWhole(readCharColumnsAsText(await new PrismaPg({ ...clientConfig, database: name }).connect()));
      const closeShadowPool = shadow.dispose.bind(shadow);
      let disposed: Promise<void> | undefined;
      shadow.dispose = () =>
        (disposed ??= closeShadowPool().then(() => main.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
      opened.push(shadow);
      return shadow;
    },
  });
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(trackingFactory);
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => undefined, adapterFactory);
  try {
    return await work({ engine, schemaFile: { path: schemaPath, content } });
  } finally {
    (engine as unknown as { free?: () => void }).free?.();
    // newest first: a shadow database is dropped through the main connection opened before it
    for (const adapter of opened.reverse()) await adapter.dispose().catch(() => undefined);
  }
}
