import type { Job } from "bullmq";
import type { z } from "zod";
import type { Logger } from "../logging/logger";

export interface JobContext {
  job: Job;
  logger: Logger;
}

export type JobHandler<Schema extends z.ZodType> = (payload: z.output<Schema>, context: JobContext) => Promise<unknown>;

/** How a job is retried and run; a definition's defaults, which who enqueues or runs it may override from the config. */
export interface JobSettings {
  concurrency?: number;
  /** Shared by all workers of this queue through Redis. */
  limiter?: { max: number; duration: number };
  attempts?: number;
  backoffMs?: number;
  /** 0..1: how much of each backoff delay is randomised, so failures that struck together do not retry together. */
  backoffJitter?: number;
}

/**
 * A kind of background work, defined at module level (Documenso's style): its queue name, the zod schema of its
 * payload (checked when queued and when run, since Redis may hold payloads written by an older version) and a factory
 * of the function that does it. Enqueueing needs only the definition, so the CLI and the admin API queue a job
 * without building the service that runs it; the worker gives the factory what the work needs.
 */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType, Deps = never> extends JobSettings {
  id: string;
  payload: Schema;
  createHandler(deps: Deps): JobHandler<Schema>;
}

export function defineJob<Schema extends z.ZodType, Deps>(definition: JobDefinition<Schema, Deps>): JobDefinition<Schema, Deps> {
  return definition;
}
