import type { Server } from "node:http";
import pg from "pg";

/**
 * What both baselines of bench:ingest do with a push, the least a durable receiver can do: store the raw body with
 * one `INSERT ... ON CONFLICT DO NOTHING` before answering, in a database of their own (the bench creates it), through
 * a pool of the service's size. Only the HTTP layer differs between them.
 */

export const BASELINE_TABLE = "bench_inbox";

export function openBaselineInbox() {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  return {
    create: () => pool.query(`CREATE TABLE IF NOT EXISTS ${BASELINE_TABLE} (push_uuid text PRIMARY KEY, body jsonb NOT NULL)`),
    store: (pushUuid: string, body: string) =>
      pool.query(`INSERT INTO ${BASELINE_TABLE} (push_uuid, body) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING`, [pushUuid, body]),
    close: () => pool.end(),
  };
}

export type BaselineInbox = ReturnType<typeof openBaselineInbox>;

/** Listens on PORT of loopback with the service's keep-alive timeout, and closes everything on SIGTERM. */
export async function serveBaseline(name: string, inbox: BaselineInbox, listen: (port: number, host: string) => Server): Promise<void> {
  await inbox.create();
  const server = listen(Number(process.env.PORT ?? 3101), "127.0.0.1");
  server.keepAliveTimeout = 65_000;
  server.once("listening", () => console.log(`${name} listening on ${process.env.PORT}`));
  process.once("SIGTERM", () => server.close(() => void inbox.close().then(() => process.exit(0))));
}
