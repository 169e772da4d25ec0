import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { closedPort } from "../ports";
import { waitFor } from "./wait-for";

export interface ThrowawayRedisCluster {
  /** One node's URL: what REDIS_URL names with REDIS_CLUSTER=true. */
  url: string;
  ports: number[];
  destroy(): Promise<void>;
}

/** A Redis Cluster of three primaries on free loopback ports, without persistence, the slots spread by redis-cli. */
export async function createThrowawayRedisCluster(): Promise<ThrowawayRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "tccc-redis-cluster-"));
  const ports: number[] = [];
  for (let node = 0; node < 3; node++) ports.push(await closedPort());
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", path.join(dir, `nodes-${port}.conf`), "--save", "", "--appendonly", "no", "--loglevel", "warning"],
      { stdio: "ignore", cwd: dir },
    ),
  );
  const destroy = async () => {
    await Promise.all(servers.filter((server) => server.exitCode === null && server.signalCode === null).map((server) => (server.kill("SIGKILL"), once(server, "exit"))));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const cli = (...args: string[]) => promisify(execFile)("redis-cli", args);
    for (const port of ports) await waitFor(`redis-server on port ${port}`, async () => ((await cli("-p", String(port), "ping")).stdout.trim() === "PONG" ? true : undefined));
    await cli("--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes");
    await waitFor("the cluster to be up", async () => ((await cli("-p", String(ports[0]), "cluster", "info")).stdout.includes("cluster_state:ok") ? true : undefined), { timeoutMs: 30_000 });
  } catch (error) {
    await destroy();
    throw error;
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, destroy };
}
