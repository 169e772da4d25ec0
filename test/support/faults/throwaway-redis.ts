import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createConnection } from "node:net";
import { closedPort } from "../ports";
import { waitFor } from "./wait-for";

/**
 * A redis-server of its own on a free loopback port, without persistence: stopping it loses every key, the harshest
 * case for queued work (the machine's shared Redis is never touched).
 */
export interface ThrowawayRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGKILL: connections drop, nothing is saved. */
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    for (const failure of ["error", "timeout"]) socket.once(failure, () => (socket.destroy(), resolve(false)));
  });
}

export async function createThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await closedPort();
  let server: ChildProcess | undefined;

  const redis: ThrowawayRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], {
        stdio: "ignore",
      });
      const exited = once(server, "exit").then(() => {
        throw new Error(`redis-server on port ${port} exited at start`);
      });
      exited.catch(() => undefined);
      await Promise.race([waitFor(`redis-server on port ${port}`, async () => ((await answersPing(port)) ? true : undefined), { timeoutMs: 20_000 }), exited]);
    },
    async kill() {
      const current = server;
      server = undefined;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = once(current, "exit");
      current.kill("SIGKILL");
      await exited;
    },
    destroy: () => redis.kill(),
  };
  await redis.start();
  return redis;
}
