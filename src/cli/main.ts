import { existsSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../config/project-root";
import { runCli } from "./cli";

/** `npm run cli -- <command>`: operators' commands over the same services as the admin API. */
const envFile = path.join(PROJECT_ROOT, ".env");
// as for the service: variables already in the environment win over the file
if (existsSync(envFile)) process.loadEnvFile(envFile);

runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  // open handles (a reconnecting Redis client) must not keep a finished command alive
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
});
