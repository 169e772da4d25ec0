import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { closedPort } from "../ports";
import { waitFor } from "./wait-for";

const ROOT = path.resolve(__dirname, "../../..");
/** The last output kept for a failure message: enough for the stack trace that explains it. */
const KEPT_OUTPUT_CHARS = 20_000;

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The service as production runs it: `src/main.ts` in a process of its own, which a test may signal or kill. */
export interface ServiceProcess {
  url: string;
  pid: number;
  /** Settles when the process has exited. */
  exited: Promise<ServiceExit>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Sends `signal` and resolves with how the process ended. */
  signal(signal: NodeJS.Signals): Promise<ServiceExit>;
  /** What the process wrote (stdout and stderr, the last 20,000 characters): for failure messages. */
  output(): string;
}

export interface ServiceProcessOptions {
  /** Variables on top of a minimal set: DATABASE_URL and REDIS_URL at least. */
  env: Record<string, string>;
  /** The endpoint that must answer 200 before the start counts as done. */
  waitFor?: "/healthz" | "/readyz";
  /**
   * `worker`: ROLE=worker from its own entry point (workers/main.ts), which serves no HTTP but /metrics on
   * METRICS_PORT: `url` is that server, and the start is done when it answers.
   */
  role?: "all" | "worker";
  /** Reuse a port (a restart that TCCC must find at the same URL); a free one by default. */
  port?: number;
}

export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await closedPort());
  const worker = options.role === "worker";
  // tsx as a loader, not its CLI: the CLI runs the service in a grandchild that a SIGKILL to the child would orphan
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", worker ? "workers/main.ts" : "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      MIGRATE_ON_START: "true",
      PUSH_AUTH: "none",
      // the sample pushes' RecordURLs name the vendor's hosts: a mirror fetching them would reach for the internet
      MIRROR_ENABLED: "false",
      SHUTDOWN_TIMEOUT_MS: "20000",
      ...(worker ? { PORT: "0", METRICS_PORT: String(port) } : {}),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = once(child, "exit").then(([code, signal]) => ({ code, signal }) as ServiceExit);
  const alive = () => child.exitCode === null && child.signalCode === null;

  const url = `http://127.0.0.1:${port}`;
  const readyPath = worker ? "/metrics" : (options.waitFor ?? "/healthz");
  const up = waitFor(
    `the service to answer ${readyPath}`,
    async () => {
      if (!alive()) throw new Error("the service exited");
      const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      return response.status === 200 ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
  try {
    await up;
  } catch (error) {
    if (alive()) child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n--- service output ---\n${output}`);
  }

  return {
    url,
    pid: child.pid as number,
    exited,
    alive,
    async signal(signal) {
      if (alive()) child.kill(signal);
      return exited;
    },
    output: () => output,
  };
}
