/**
 * The baseline for bench:ingest: the least a durable receiver can do. It reads the body and stores it with one
 * `INSERT ... ON CONFLICT DO NOTHING` before answering, with the same pool size as the service.
 */
import { createServer } from "node:http";
import pg from "pg";

const port = Number(process.env.PORT ?? 3101);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

async function main(): Promise<void> {
  await pool.query("CREATE TABLE IF NOT EXISTS bench_minimal_inbox (push_uuid text PRIMARY KEY, body jsonb NOT NULL)");
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const uuid = String(req.headers["x-tccc-push-uuid"] ?? "");
      pool
        .query("INSERT INTO bench_minimal_inbox (push_uuid, body) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING", [uuid, Buffer.concat(chunks).toString("utf8")])
        .then(
          () => res.writeHead(200, { "Content-Type": "application/json" }).end('{"ErrCode":0,"ErrMsg":""}'),
          (error: Error) => res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ ErrCode: 1503, ErrMsg: error.message })),
        );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1", () => console.log(`minimal receiver on ${port}`));
  process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
}

void main();
