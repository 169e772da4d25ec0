import { readFile } from "node:fs/promises";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
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
  // the engine never disposes the connections it opens, so we keep hold of them to close them ourselves
  const pg = new PrismaPg({ connectionString: databaseUrl });
  const opened: { dispose(): Promise<void> }[] = [];
  const trackingFactory = Object.assign(Object.create(pg) as PrismaPg, {
    connect: async () => {
      const adapter = await pg.connect();
      opened.push(adapter);
      return adapter;
    },
  });
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(trackingFactory);
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => undefined, adapterFactory);
  try {
    return await work({ engine, schemaFile: { path: schemaPath, content } });
  } finally {
    (engine as unknown as { free?: () => void }).free?.();
    await Promise.all(opened.map((adapter) => adapter.dispose().catch(() => undefined)));
  }
}
