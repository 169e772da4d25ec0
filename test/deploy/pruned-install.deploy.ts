import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { createThrowawayPostgres, type ThrowawayPostgres } from "../support/faults/throwaway-postgres";
import { waitFor } from "../support/faults/wait-for";
import { sampleCdr } from "../support/payloads";
import { closedPort } from "../support/ports";
import { TEST_REDIS_URL } from "../support/test-env";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");

/** What the Dockerfile's build stage copies into the image before `npm run build`: keep the two lists the same. */
const BUILD_INPUTS = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "prisma.config.ts", "prisma", "src", "workers", "scripts"];
/** What its runtime stage keeps: everything else is deleted from the copy before it starts. */
const RUNTIME_CONTENTS = ["package.json", "node_modules", "dist", "prisma"];
/**
 * devDependencies that must be gone after the prune. (typescript and prisma stay: @prisma/client and valibot declare
 * them optional peers, and npm keeps an installed optional peer of a production dependency.)
 */
const DEV_ONLY = ["tsx", "jest", "ts-jest", "s3rver", "fast-check", "playwright-core", "@types/jest", "undici"];

/**
 * The production install as README "Deploying" describes it and the Dockerfile performs it: a copy of the sources,
 * the locked dependencies, `npm run build`, `npm prune --omit=dev`, only the runtime contents kept; then the service,
 * the worker, the migrations and the CLI run from dist/ on a database that has never seen this project.
 */
describe("a pruned production install", () => {
  let folder: string;
  let postgres: ThrowawayPostgres;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), "tccc-pruned-install-"));
    // no node_modules above the copy: a module the prune removed must not be found in a parent folder instead
    for (let dir = path.dirname(folder); dir !== path.dirname(dir); dir = path.dirname(dir)) expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
    postgres = await createThrowawayPostgres();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await postgres?.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    DATABASE_URL: postgres.url("tccc"),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{tccc-pruned-${process.pid}}`,
    // the sample pushes' RecordURLs name the vendor's hosts: a mirror fetching them would reach for the internet
    MIRROR_ENABLED: "false",
    LOG_LEVEL: "info",
    ...extra,
  });

  const inCopy = (file: string, args: string[], extra?: Record<string, string>) =>
    run(file, args, { cwd: folder, env: env(extra), timeout: 240_000, maxBuffer: 32 * 1024 * 1024 });

  function start(script: string, extra: Record<string, string>): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, [script], { cwd: folder, env: env(extra), stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    return code;
  }

  it("is what the Dockerfile builds: the same inputs, the same runtime contents", () => {
    const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    const copies = [...dockerfile.matchAll(/^COPY (--from=build )?(.+) (\S+)$/gm)].map(([, fromBuild, sources]) => ({ fromBuild: Boolean(fromBuild), sources: sources!.split(" ") }));
    const built = copies.filter((copy) => !copy.fromBuild).flatMap((copy) => copy.sources);
    const kept = copies.filter((copy) => copy.fromBuild).flatMap((copy) => copy.sources.map((source) => path.basename(source)));

    expect(built.sort()).toEqual([...BUILD_INPUTS].sort());
    expect(kept.sort()).toEqual([...RUNTIME_CONTENTS].sort());
    expect(dockerfile).toMatch(/^RUN npm run build && npm prune --omit=dev/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it("builds and prunes into a tree with no test code and no development tools", async () => {
    // the generated Prisma client is not a source: the build makes it
    const generated = path.join(ROOT, "src/generated");
    for (const input of BUILD_INPUTS) cpSync(path.join(ROOT, input), path.join(folder, input), { recursive: true, filter: (source) => !source.startsWith(generated) });
    // the locked dependencies, as `npm install` put them here; hard links make that instant and leave ours untouched,
    // except the one file npm rewrites in place
    await run("cp", ["-al", path.join(ROOT, "node_modules"), path.join(folder, "node_modules")]).catch(() => run("cp", ["-a", path.join(ROOT, "node_modules"), path.join(folder, "node_modules")]));
    rmSync(path.join(folder, "node_modules/.package-lock.json"), { force: true });
    cpSync(path.join(ROOT, "node_modules/.package-lock.json"), path.join(folder, "node_modules/.package-lock.json"));

    await inCopy("npm", ["run", "build"]);
    await inCopy("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund"]);
    for (const entry of readdirSync(folder)) if (!RUNTIME_CONTENTS.includes(entry)) rmSync(path.join(folder, entry), { recursive: true, force: true });

    expect(readdirSync(path.join(folder, "dist")).sort()).toEqual(["scripts", "src", "workers"]);
    expect(readdirSync(path.join(folder, "dist/scripts")).filter((entry) => !entry.endsWith(".map"))).not.toContain("bench");
    for (const tool of DEV_ONLY) expect({ tool, present: existsSync(path.join(folder, "node_modules", tool)) }).toEqual({ tool, present: false });
  });

  it("starts on a fresh database, migrating it, stores a pushed CDR, and answers the CLI", async () => {
    const port = await closedPort();
    const service = start("dist/src/main.js", { PORT: String(port), HOST: "127.0.0.1" });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      "the pruned service to be ready",
      async () => {
        if (service.child.exitCode !== null) throw new Error(`the service exited:\n${service.output()}`);
        const response = await fetch(`${url}/readyz`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

    const sdkAppId = uniqueSdkAppId();
    const sessionId = uniqueSessionId();
    const push = await fetch(`${url}/tccc/push?action=cdr&version=1`, { method: "POST", headers: { "Content-Type": "application/json", "X-TCCC-PUSH-UUID": sessionId }, body: JSON.stringify(sampleCdr(sdkAppId, sessionId)) });
    expect(await push.json()).toEqual({ ErrCode: 0, ErrMsg: "" });

    const client = new pg.Client({ connectionString: postgres.url("tccc") });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT count(*)::int AS count FROM call_sessions WHERE sdk_app_id = $1 AND session_id = $2", [sdkAppId, sessionId]);
      expect(rows).toEqual([{ count: 1 }]);
    } finally {
      await client.end();
    }

    const status = await inCopy(process.execPath, ["dist/src/cli/main.js", "status"]);
    expect(status.stdout).toContain("failed pushes: 0");
    const migrate = await inCopy(process.execPath, ["dist/scripts/db-migrate.js"]);
    expect(migrate.stdout.trim()).toBe("database is up to date");

    expect(await stop(service.child)).toBe(0);
  });

  it("runs the worker entry point", async () => {
    const worker = start("dist/workers/main.js", { MIGRATE_ON_START: "false" });
    await waitFor("the pruned worker to start", async () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
      return worker.output().includes('"msg":"service started"') ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });

    expect(worker.output()).toContain('"role":"worker"');
    expect(await stop(worker.child)).toBe(0);
  });
});
