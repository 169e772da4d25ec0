import { randomUUID } from "node:crypto";
import type { RedisConnection } from "../redis/redis-connections";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A sliding-window limiter kept in Redis, so every process calling the API for one application shares one budget.
 * Each grant is a member of a sorted set scored by Redis' own clock (no skew between hosts); a request is granted
 * while fewer than `limit` grants lie inside the last window, otherwise the caller learns how long until the oldest
 * one leaves it. Strict: no window of `windowMs` ever holds more than `limit` grants (a token bucket would allow a
 * burst on top of a full window).
 */
const ACQUIRE_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
`;

export interface RateLimiter {
  /** Resolves when the caller may send one request under `key`; rejects when `signal` aborts. */
  acquire(key: string, signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  redis: RedisConnection;
  keyPrefix: string;
  limit: number;
  windowMs: number;
}

type RedisWithAcquire = RedisConnection & { reconcileRateAcquire?(key: string, limit: number, windowUs: number, member: string): Promise<number> };

export function createRedisRateLimiter(options: RateLimiterOptions): RateLimiter {
  const redis = options.redis as RedisWithAcquire;
  // ioredis sends EVALSHA and falls back to EVAL once per connection
  if (!redis.reconcileRateAcquire) redis.defineCommand("reconcileRateAcquire", { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
  const acquireOnce = (key: string) => redis.reconcileRateAcquire!(key, options.limit, windowUs, randomUUID());
  const windowUs = options.windowMs * 1000;

  return {
    async acquire(key, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const waitMs = await acquireOnce(`${options.keyPrefix}${key}`);
        if (waitMs === 0) return;
        await sleep(waitMs, undefined, { signal });
      }
    },
  };
}
