import IORedis, { Cluster, type RedisOptions } from "ioredis";

/** A connection to one Redis, or to a Redis Cluster through any of its nodes. */
export type RedisConnection = IORedis | Cluster;

/**
 * With REDIS_CLUSTER, `url` names one node of the cluster (its scheme, credentials and TLS apply to every node) and
 * ioredis discovers the others and follows their slots. Every key the service writes carries the hash tag of
 * QUEUE_PREFIX, so a queue's multi-key scripts never cross slots.
 */
export function connectRedis(url: string, cluster: boolean, options: RedisOptions): RedisConnection {
  if (!cluster) return new IORedis(url, options);
  const node = new URL(url);
  return new Cluster([{ host: node.hostname, port: Number(node.port || 6379) }], {
    redisOptions: {
      ...options,
      username: node.username ? decodeURIComponent(node.username) : undefined,
      password: node.password ? decodeURIComponent(node.password) : undefined,
      tls: node.protocol === "rediss:" ? {} : undefined,
    },
  });
}

/** The nodes that hold keys: the one server, or each primary of the cluster. */
export const primaryNodes = (connection: RedisConnection): IORedis[] => (connection instanceof Cluster ? connection.nodes("master") : [connection]);
