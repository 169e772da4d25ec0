import { spawn } from "node:child_process";
import path from "node:path";
import { closedPort } from "../support/ports";
import { TEST_DATABASE_URL } from "../support/test-env";

const ROOT = path.resolve(__dirname, "../..");

/** The service's entry point as an operator starts it, with what it printed and how it ended. */
/**
 * `stopWhenPrinted`: SIGTERM a second after all of these have been printed (time for a repeat to show), or after 20 s (within the test's timeout):
 * a fixed delay is too short for a start on a loaded machine.
 */
function startMain(env: Record<string, string>, { stopWhenPrinted }: { stopWhenPrinted?: string[] } = {}): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: "0", MIRROR_ENABLED: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stopping: NodeJS.Timeout | undefined;
  const stop = (afterMs: number) => {
    stopping ??= setTimeout(() => child.kill("SIGTERM"), afterMs);
  };
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    if (stopWhenPrinted?.every((text) => output.includes(text))) stop(1000);
  };
  child.stdout.on("data", read);
  child.stderr.on("data", read);
  const deadline = stopWhenPrinted ? setTimeout(() => child.kill("SIGTERM"), 20_000) : undefined;
  child.once("exit", () => {
    clearTimeout(deadline);
    clearTimeout(stopping);
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, lines: output.split("\n").filter((line) => line.trim() !== "") })));
}

describe("starting without its dependencies", () => {
  it("says in one line that PostgreSQL is unreachable, and where, without the password", async () => {
    const port = await closedPort();

    const { code, lines } = await startMain({ DATABASE_URL: `postgresql://tccc:hunter2-secret@127.0.0.1:${port}/tccc`, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });

    expect(code).toBe(1);
    expect(lines.join("\n")).not.toContain("hunter2-secret");
    const fatal = lines.filter((line) => line.includes('"level":60'));
    expect(fatal).toHaveLength(1);
    expect(JSON.parse(fatal[0]!).msg).toBe(`cannot start: PostgreSQL at postgresql://tccc@127.0.0.1:${port}/tccc is unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
    // no stack trace anywhere in what it printed
    expect(lines.some((line) => /^\s+at /.test(line))).toBe(false);
  });

  it("says once that Redis is unreachable and where, and serves pushes anyway", async () => {
    const port = await closedPort();

    const { lines } = await startMain({ DATABASE_URL: TEST_DATABASE_URL, MIGRATE_ON_START: "false", REDIS_URL: `redis://:redis-secret@127.0.0.1:${port}` }, { stopWhenPrinted: [`Redis at redis://127.0.0.1:${port} is unreachable`, '"msg":"service started"'] });

    const text = lines.join("\n");
    expect(text).not.toContain("redis-secret");
    const warnings = lines.filter((line) => line.includes(`Redis at redis://127.0.0.1:${port} is unreachable`));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!).msg).toBe(`Redis at redis://127.0.0.1:${port} is unreachable: pushes are still stored; mirror and reconciliation work resumes when it answers`);
    expect(text).toContain('"msg":"service started"');
  });
});
