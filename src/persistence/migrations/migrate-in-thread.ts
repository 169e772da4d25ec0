import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { applyPendingMigrations, defaultMigrationPaths, type MigrationPaths } from "./migrations";

interface MigrateRequest {
  kind: "apply-pending-migrations";
  databaseUrl: string;
  paths: MigrationPaths;
}

/**
 * applyPendingMigrations for a long-running process (MIGRATE_ON_START), run in a worker thread that is ended
 * afterwards. The schema engine is WebAssembly whose glue module is cached by the ES module loader for the life of
 * the isolate and keeps the instance (compiled code and linear memory, about 45 MB resident) reachable; the engine
 * also leaves a lock-timeout timer behind that calls into the instance later, so it cannot simply be unset. Ending
 * the thread frees all of it. From TypeScript sources (tests, tsx) there is no compiled file to start a thread on,
 * so it runs in-process there.
 */
export async function applyPendingMigrationsInThread(databaseUrl: string, paths = defaultMigrationPaths()): Promise<string[]> {
  if (!__filename.endsWith(".js")) return applyPendingMigrations(databaseUrl, paths);
  const request: MigrateRequest = { kind: "apply-pending-migrations", databaseUrl, paths };
  const worker = new Worker(__filename, { workerData: request });
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.once("message", (applied: string[]) => resolve(applied));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`migration thread exited with ${code} before it answered`)));
    });
  } finally {
    // the engine's leftover timer would hold the thread for seconds; nothing else is running in it
    await worker.terminate();
  }
}

if (!isMainThread && (workerData as MigrateRequest | undefined)?.kind === "apply-pending-migrations") {
  const { databaseUrl, paths } = workerData as MigrateRequest;
  // an error thrown here reaches the parent as the worker's "error" event, message and stack included
  void applyPendingMigrations(databaseUrl, paths).then((applied) => parentPort!.postMessage(applied));
}
