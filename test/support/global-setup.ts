import { execFileSync } from "node:child_process";
import path from "node:path";
import { TEST_DATABASE_URL } from "./test-env";

/**
 * Migrates the test database once per run. In a child process, because the schema engine leaves a timer behind
 * that would keep jest from exiting.
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, [require.resolve("tsx/cli"), path.join(root, "scripts/db-migrate.ts")], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, NODE_OPTIONS: "" },
    stdio: "inherit",
  });
}
