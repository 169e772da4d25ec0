import IORedis, { Cluster, type RedisOptions } from "ioredis";
import type { Logger } from "../logging/logger";

/**
 * What a connection is for decides how long a command waits while Redis is away. Redis only moves work (PostgreSQL
 * is the source of truth), so nothing here may stall an answer to TCCC.
 */
export type RedisUse =
  /** Queueing jobs, counts, the board: give up on a command quickly rather than hold an HTTP answer. */
  | "producer"
  /** A BullMQ worker: blocks on Redis and must retry forever (BullMQ requires maxRetriesPerRequest null). */
  | "worker"
  /** Short commands of a background task (reconciliation's shared rate limit and schedule lock): ride out a blip. */
  | "commands";

const OPTIONS: Record<RedisUse, RedisOptions> = {
  producer: { maxRetriesPerRequest: 1 },
  worker: { maxRetriesPerRequest: null },
  commands: { maxRetriesPerRequest: 3 },
};

const WARN_INTERVAL_MS = 30_000;

/** A connection to one Redis, or to a Redis Cluster through any of its nodes (REDIS_CLUSTER). */
export type RedisConnection = IORedis | Cluster;

/** The nodes that hold keys: the one server, or each primary of the cluster. */
export const primaryNodes = (connection: RedisConnection): IORedis[] => (connection instanceof Cluster ? connection.nodes("master") : [connection]);

export interface RedisConnectionsOptions {
  url: string;
  logger: Logger;
  /** Prefix of every connection's CLIENT SETNAME, e.g. `<QUEUE_PREFIX>:<ROLE>`: `CLIENT LIST` then tells whose it is. */
  name: string;
  /**
   * REDIS_CLUSTER: `url` names one node of a Redis Cluster (its scheme, credentials and TLS apply to every node);
   * ioredis discovers the others and follows their slots. Every key the service writes carries QUEUE_PREFIX's hash
   * tag, so no multi-key command crosses slots.
   */
  cluster?: boolean;
}

/**
 * The one factory of Redis connections: every connection of the process is opened here, named after its use (and
 * BullMQ's blocking duplicates inherit the name), and closed by closeAll(). See the README ("Redis connections") for
 * how many each role opens.
 */
export function createRedisConnections(options: RedisConnectionsOptions) {
  const opened: RedisConnection[] = [];
  // while Redis is down every reconnect attempt fails: one line per connection and interval is enough
  const lastWarned = new Map<string, number>();

  function connect(redisOptions: RedisOptions): RedisConnection {
    if (!options.cluster) return new IORedis(options.url, redisOptions);
    const node = new URL(options.url);
    return new Cluster([{ host: node.hostname, port: Number(node.port || 6379) }], {
      redisOptions: {
        ...redisOptions,
        username: node.username ? decodeURIComponent(node.username) : undefined,
        password: node.password ? decodeURIComponent(node.password) : undefined,
        tls: node.protocol === "rediss:" ? {} : undefined,
      },
    });
  }

  function open(use: RedisUse, label: string = use): RedisConnection {
    const connection = connect({ ...OPTIONS[use], connectionName: `${options.name}:${label}` });
    connection.on("error", (error) => {
      const now = Date.now();
      if (now - (lastWarned.get(label) ?? 0) < WARN_INTERVAL_MS) return;
      lastWarned.set(label, now);
      options.logger.warn({ err: error, connection: label }, "Redis connection error");
    });
    opened.push(connection);
    return connection;
  }

  /** Quits what is connected, drops what is not (a quit would wait for a reconnection that may never come). */
  async function close(connection: RedisConnection): Promise<void> {
    if (connection.status === "end") return;
    if (connection.status === "ready") await connection.quit().catch(() => connection.disconnect());
    else connection.disconnect();
  }

  return {
    open,
    close,
    closeAll: () => Promise.all(opened.map(close)).then(() => undefined),
  };
}

export type RedisConnections = ReturnType<typeof createRedisConnections>;
