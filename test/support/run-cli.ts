import { spawn } from "node:child_process";
import path from "node:path";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./test-env";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = path.resolve(__dirname, "../..");

/** Runs `npm run cli -- <args>` as operators do, as a child process against the test database and Redis. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), path.join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
