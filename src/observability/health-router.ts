import { Router } from "express";

export type Probe = () => Promise<unknown>;

const PROBE_TIMEOUT_MS = 1500;

function withTimeout(probe: Probe): Promise<"ok" | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS);
  });
  const attempt = probe().then(
    () => "ok" as const,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

/**
 * /healthz: the process is alive (for restarts). /readyz: PostgreSQL and Redis answer (for load balancers: a replica
 * that cannot store pushes should get none).
 */
export function healthRouter(probes: Record<string, Probe>): Router {
  const router = Router();

  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  router.get("/readyz", async (_req, res) => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((name) => withTimeout(probes[name] as Probe)));
    const checks = Object.fromEntries(names.map((name, index) => [name, results[index]]));
    const ready = results.every((result) => result === "ok");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", checks });
  });

  return router;
}
