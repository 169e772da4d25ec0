import { setTimeout as sleep } from "node:timers/promises";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { Queue, Worker, type Job, type JobsOptions } from "bullmq";
import { z } from "zod";
import type { Logger } from "../logging/logger";
import { primaryNodes, type RedisConnection, type RedisConnections } from "../redis/redis-connections";
import type { JobDefinition, JobSettings } from "./job-definition";

const REDECLARE_ATTEMPTS = 30;
const REDECLARE_PAUSE_MS = 1000;

export interface JobQueuesOptions {
  redis: RedisConnections;
  prefix: string;
  logger: Logger;
}

/**
 * The one module that touches BullMQ's Queue and Worker: it enqueues, schedules, counts and runs jobs, and hands the
 * board its adapters, never a raw Queue. Redis only moves work: every job can be re-derived from PostgreSQL, so producers
 * fail fast when Redis is down (the caller logs and a sweep re-queues later) instead of stalling a request.
 */
export function createJobQueues(options: JobQueuesOptions) {
  const { logger, prefix } = options;
  // one connection for every queue of the process: BullMQ shares it for non-blocking commands
  const producerConnection: RedisConnection = options.redis.open("producer");
  const queues = new Map<string, Queue>();
  const workers = createWorkers(options);

  const schedules = redeclareAfterReconnection(producerConnection, logger);

  function queueFor(id: string): Queue {
    let queue = queues.get(id);
    if (!queue) {
      queue = new Queue(id, { connection: producerConnection, prefix });
      queue.on("error", (error) => logger.debug({ err: error, queue: id }, "queue error"));
      queues.set(id, queue);
    }
    return queue;
  }

  return {
    prefix,

    ...produceJobs(queueFor),

    /** Runs `declare` (which upserts job schedulers) now, and again after every reconnection to Redis. */
    async declareSchedules(name: string, declare: () => Promise<void>): Promise<void> {
      await declare();
      schedules.register(name, declare);
    },

    /** Runs the definition's jobs in this process, with the handler its factory makes of `deps`. */
    startWorker: workers.start,

    ping: () => producerConnection.ping(),

    ...inspectQueues(queues, queueFor, producerConnection, prefix),

    /** Ids of the queues this process runs workers for. */
    workerQueueIds: workers.queueIds,

    /**
     * Lets running jobs finish, then closes every connection. Bounded: with Redis unreachable a graceful close would
     * wait for a reconnection forever, and a stopping process must not hang on it.
     */
    async close(timeoutMs = 10_000): Promise<void> {
      schedules.stop();
      const graceful = (async () => {
        await workers.closeAll();
        await Promise.all([...queues.values()].map((queue) => queue.close()));
      })();
      // with Redis away a graceful close would only wait for the timeout
      await settleWithin(graceful, producerConnection.status === "ready" ? timeoutMs : 0, logger);
      for (const connection of [...workers.connections, producerConnection]) await options.redis.close(connection);
    },
  };
}

/** Adding jobs and job schedulers, as the definitions say. */
function produceJobs(queueFor: (id: string) => Queue) {
  return {
    async enqueue<S extends z.ZodType>(definition: JobDefinition<S, never>, payload: z.output<S>, opts: { jobKey?: string } & JobsOptions = {}) {
      const data = z.encode(definition.payload, payload);
      const { jobKey, ...jobOptions } = opts;
      return queueFor(definition.id).add(definition.id, data, {
        attempts: definition.attempts ?? 1,
        backoff: definition.backoffMs ? { type: "exponential", delay: definition.backoffMs, jitter: definition.backoffJitter } : undefined,
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
        ...(jobKey ? { jobId: safeJobId(`${definition.id}-${jobKey}`) } : {}),
        ...jobOptions,
      });
    },

    /** Idempotent: one scheduler per id, re-declared at every start by the process that owns scheduling. */
    async schedule<S extends z.ZodType>(definition: JobDefinition<S, never>, schedulerId: string, everyMs: number, payload: z.output<S>) {
      const data = z.encode(definition.payload, payload);
      await queueFor(definition.id).upsertJobScheduler(safeJobId(schedulerId), { every: everyMs }, {
        name: definition.id,
        data,
        opts: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } },
      });
    },
  };
}

/** BullMQ job ids may not contain ':' nor be all digits (TCCC RecordIds can be): callers pass readable keys. */
function safeJobId(key: string): string {
  return key.replace(/:/g, "_");
}

/** Counts, jobs and the board's adapters of queues, whichever process created them. */
function inspectQueues(queues: Map<string, Queue>, queueFor: (id: string) => Queue, connection: RedisConnection, prefix: string) {
  return {
    /** How many workers, in any process, consume a queue. */
    workerCount: (id: string) => queueFor(id).getWorkersCount(),

    getJob: (queueId: string, jobId: string): Promise<Job | undefined> => queueFor(queueId).getJob(jobId),

    /** The board's view of these queues. */
    boardAdapters: (ids: string[]) => ids.map((id) => new BullMQAdapter(queueFor(id))),

    /**
     * Registers every queue that exists in Redis under this prefix, whichever process created it, so that depths()
     * covers them: a process without workers (ROLE=api, the CLI) knows no queue by itself. SCAN, not KEYS: it does
     * not block RedisConnection, however many job keys there are.
     */
    async discoverQueues(): Promise<string[]> {
      const globEscaped = prefix.replace(/[*?[\]\\]/g, "\\$&");
      for (const node of primaryNodes(connection)) {
        for await (const keys of node.scanStream({ match: `${globEscaped}:*:meta`, count: 1000 })) {
          for (const key of keys as string[]) queueFor(key.slice(prefix.length + 1, -":meta".length));
        }
      }
      return [...queues.keys()].sort();
    },

    /** Job counts per queue, for the given queue ids (default: every queue this process has touched). */
    async depths(ids: string[] = [...queues.keys()]): Promise<Record<string, Record<string, number>>> {
      const result: Record<string, Record<string, number>> = {};
      for (const id of ids) result[id] = await queueFor(id).getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
      return result;
    },
  };
}

/** This process's workers, each on a connection of its own. */
function createWorkers(options: JobQueuesOptions) {
  const { logger, prefix } = options;
  const workers: Worker[] = [];
  const connections: RedisConnection[] = [];
  // while Redis is down every worker's reconnect attempt fails: one line per worker and interval is enough
  const lastWarned = new Map<string, number>();
  const warnThrottled = (source: string, context: object, message: string) => {
    const now = Date.now();
    if (now - (lastWarned.get(source) ?? 0) < 30_000) return;
    lastWarned.set(source, now);
    logger.warn(context, message);
  };

  function start<S extends z.ZodType, Deps>(definition: JobDefinition<S, Deps>, deps: Deps, settings: Pick<JobSettings, "concurrency"> = {}): void {
    const handle = definition.createHandler(deps);
    // a worker's own connection, and BullMQ duplicates it for its blocking reads: two per worker
    const connection = options.redis.open("worker", `worker:${definition.id}`);
    connections.push(connection);
    const worker = new Worker(
      definition.id,
      async (job) => {
        const jobLogger = logger.child({ queue: definition.id, jobId: job.id });
        return handle(definition.payload.parse(job.data), { job, logger: jobLogger });
      },
      { connection, prefix, concurrency: settings.concurrency ?? definition.concurrency ?? 1, limiter: definition.limiter },
    );
    worker.on("failed", (job, error) => logger.warn({ err: error, queue: definition.id, jobId: job?.id }, "job failed"));
    worker.on("error", (error) => warnThrottled(`worker ${definition.id}`, { err: error, queue: definition.id }, "worker error (Redis unreachable?)"));
    workers.push(worker);
  }

  return {
    start,
    queueIds: () => workers.map((worker) => worker.name),
    closeAll: () => Promise.all(workers.map((worker) => worker.close())),
    connections,
  };
}

/**
 * Job schedulers live in Redis alone: a Redis that comes back empty (restarted without persistence, failed over,
 * flushed) has lost them, and the sweeps they fire would stop until the next deploy. Their owners register how to
 * declare them, and that is done again whenever the connection is ready after having been lost.
 */
function redeclareAfterReconnection(connection: RedisConnection, logger: Logger) {
  const schedules: { name: string; declare: () => Promise<void> }[] = [];
  let stopped = false;
  let connectedBefore = false;
  connection.on("ready", () => {
    if (connectedBefore) for (const schedule of schedules) void declareAgain(schedule);
    connectedBefore = true;
  });

  async function declareAgain(schedule: (typeof schedules)[number]): Promise<void> {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await schedule.declare();
        logger.info({ schedule: schedule.name }, "Redis is back: schedule declared again");
        return;
      } catch (error) {
        // e.g. the lock an owner takes is on another connection that is not back yet
        if (attempt >= REDECLARE_ATTEMPTS) return logger.error({ err: error, schedule: schedule.name }, "could not declare a schedule again after Redis returned");
        await sleep(REDECLARE_PAUSE_MS);
      }
    }
  }

  return {
    register: (name: string, declare: () => Promise<void>) => void schedules.push({ name, declare }),
    stop: () => void (stopped = true),
  };
}

/** Waits for a graceful close at most `timeoutMs`: a worker waiting for Redis never settles its close(). */
async function settleWithin(graceful: Promise<unknown>, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  // the connections are cut afterwards either way
  if ((await Promise.race([graceful, timedOut])) === "timeout") logger.warn({ timeoutMs }, "queues did not close in time; disconnecting");
  clearTimeout(timer);
}

export type JobQueues = ReturnType<typeof createJobQueues>;
