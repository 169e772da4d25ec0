import { Client } from "pg";
import { createThrowawayPostgres, type ThrowawayPostgres } from "./throwaway-postgres";
import { createThrowawayRedis, type ThrowawayRedis } from "./throwaway-redis";

/** A PostgreSQL cluster and a Redis that belong to one chaos test file, and what a service needs to use them. */
export interface FaultEnvironment {
  postgres: ThrowawayPostgres;
  redis: ThrowawayRedis;
  /** DATABASE_URL and REDIS_URL for a service process. */
  serviceEnv: Record<string, string>;
  /** Runs `work` with a fresh connection to the service's database (PostgreSQL must be up). */
  withDatabase<T>(work: (db: Client) => Promise<T>): Promise<T>;
  destroy(): Promise<void>;
}

export async function startFaultEnvironment(): Promise<FaultEnvironment> {
  const [postgres, redis] = await Promise.all([createThrowawayPostgres(), createThrowawayRedis()]);
  // the service creates and migrates this database itself (MIGRATE_ON_START), as on a fresh install
  const databaseUrl = postgres.url("tccc");
  return {
    postgres,
    redis,
    serviceEnv: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url },
    async withDatabase(work) {
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        return await work(db);
      } finally {
        await db.end();
      }
    },
    async destroy() {
      await Promise.all([postgres.destroy(), redis.destroy()]);
    },
  };
}
