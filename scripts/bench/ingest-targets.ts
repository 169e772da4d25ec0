import { execFileSync } from "node:child_process";
import path from "node:path";
import { BASELINE_TABLE } from "./baseline-receiver";
import { databaseName, recreateDatabase } from "./bench-databases";

/** The three receivers bench:ingest compares, each a compiled entry point (npm run bench:ingest builds first). */

export const ROOT = path.resolve(__dirname, "../..");

export interface Target {
  name: string;
  label: string;
  /** Under dist/. */
  script: string;
  /** The one table that gets a row per stored push: acknowledged pushes are counted there after each phase. */
  storedTable: string;
  env(databaseUrl: string): Record<string, string>;
  /** Leaves a fresh, empty database for it. */
  prepare(databaseUrl: string): Promise<void>;
}

export const SERVICE_CREDENTIALS = { user: "tccc-bench", password: "bench-push-password" };

/** `webConcurrency`: the HTTP processes of the multi-process target, which share the pool size between them. */
export function targets(poolSize: number, webConcurrency: number): Target[] {
  const common = { NODE_ENV: "production", DATABASE_POOL_SIZE: String(poolSize) };
  const baseline = (name: string, label: string): Target => ({
    name,
    label,
    script: `scripts/bench/${name}-receiver.js`,
    storedTable: BASELINE_TABLE,
    env: (databaseUrl) => ({ ...common, DATABASE_URL: databaseUrl }),
    prepare: recreateDatabase,
  });
  const service = (name: string, label: string, env: Record<string, string>): Target => ({
    name,
    label,
    script: "src/main.js",
    storedTable: "push_inbox",
    env: (databaseUrl) => ({
      ...common,
      DATABASE_URL: databaseUrl,
      // HTTP and the workers in one deployment, the default
      ROLE: "all",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      MIGRATE_ON_START: "false",
      // Redis is shared: queues named after the database, so two benches (other BENCH_DATABASE_URLs) never meet
      QUEUE_PREFIX: `{${databaseName(databaseUrl)}}`,
      // the bodies name the vendor's recording hosts, and the bench never leaves loopback: bench:mirror measures the mirror
      MIRROR_ENABLED: "false",
      PUSH_AUTH: "basic",
      PUSH_BASIC_USER: SERVICE_CREDENTIALS.user,
      PUSH_BASIC_PASSWORD: SERVICE_CREDENTIALS.password,
      // e.g. BENCH_SERVICE_NODE_OPTIONS=--max-semi-space-size=64: the service's runtime flags, not the baselines'
      ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}),
      ...env,
    }),
    async prepare(databaseUrl) {
      await recreateDatabase(databaseUrl);
      // as at a deploy: migrated before the start, so the schema engine is not part of the measured process
      execFileSync(process.execPath, [path.join(ROOT, "dist/scripts/db-migrate.js")], {
        env: { ...process.env, DATABASE_URL: databaseUrl },
        stdio: ["ignore", "ignore", "inherit"],
      });
    },
  });
  return [
    baseline("express", "express + pg"),
    baseline("minimal", "node:http + pg"),
    // one process takes pushes and runs the workers
    service("service", "service", {}),
    // WEB_CONCURRENCY HTTP processes, the workers in the primary; the same pool size in all
    service("cluster", `service x${webConcurrency}`, {
      WEB_CONCURRENCY: String(webConcurrency),
      DATABASE_POOL_SIZE: String(Math.max(1, Math.ceil(poolSize / webConcurrency))),
    }),
  ];
}
