import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { RedisConnection } from "../redis/redis-connections";

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Runs `work` while holding a short Redis lock, waiting for it if another process holds it. For brief critical
 * sections only (the TTL is not renewed): here, BullMQ's job scheduler upserts, which misbehave when concurrent.
 */
export async function withRedisLock<T>(redis: RedisConnection, key: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + ttlMs;
  while ((await redis.set(key, token, "PX", ttlMs, "NX")) !== "OK") {
    // a holder that died frees the lock after ttlMs at the latest
    if (Date.now() > deadline) throw new Error(`could not take the Redis lock ${key} within ${ttlMs} ms`);
    await sleep(100);
  }
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE_SCRIPT, 1, key, token);
  }
}
