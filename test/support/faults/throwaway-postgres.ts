import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { closedPort } from "../ports";

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of its own, made with initdb in a temporary folder, that a test may stop, crash and start at
 * will. The machine's shared PostgreSQL is never touched.
 */
export interface ThrowawayPostgres {
  port: number;
  /** A connection URL for `database` on this cluster. */
  url(database: string): string;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every backend quits at once, no checkpoint; the next start runs crash recovery. */
  crash(): Promise<void>;
  /** Stops the cluster (if running) and deletes its folder. */
  destroy(): Promise<void>;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((version) => path.join(root, version, "bin")).find((dir) => existsSync(path.join(dir, "initdb")));
  if (!found) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return found;
}

/** PostgreSQL refuses to run as root: as root, run its tools as the postgres user. */
async function asPostgresUser(command: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  await run(file, argv, { timeout: 120_000 });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function createThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = binDir();
  const folder = mkdtempSync(path.join(tmpdir(), "tccc-faults-pg-"));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    chownSync(folder, uid, gid);
  }
  const dataDir = path.join(folder, "data");
  const port = await closedPort();
  await asPostgresUser(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);

  // The faults injected are process crashes, not power loss: WAL written before a commit is acknowledged survives in
  // the page cache, so fsync can stay off and spare the shared disk.
  const serverOptions = [`-p ${port}`, `-k ${folder}`, "-c listen_addresses=127.0.0.1", "-c fsync=off", "-c max_connections=60"].join(" ");
  const pgCtl = (...args: string[]) => asPostgresUser(path.join(bin, "pg_ctl"), ["-D", dataDir, ...args]);
  let running = false;

  const cluster: ThrowawayPostgres = {
    port,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pgCtl("-l", path.join(folder, "server.log"), "-o", serverOptions, "-w", "-t", "60", "start");
      running = true;
    },
    async crash() {
      await pgCtl("-m", "immediate", "-w", "stop");
      running = false;
    },
    async destroy() {
      if (running) await pgCtl("-m", "immediate", "-w", "stop").catch(() => undefined);
      running = false;
      rmSync(folder, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
