import type { Job } from "bullmq";
import type { z } from "zod";
import type { Logger } from "../logging/logger";

export interface JobContext {
  job: Job;
  logger: Logger;
}

/**
 * A kind of background work: its queue name, the zod schema of its payload (checked when queued and when run, since
 * Redis may hold payloads written by an older version) and the function that does it.
 */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType> {
  id: string;
  payload: Schema;
  handle(payload: z.output<Schema>, context: JobContext): Promise<unknown>;
  concurrency?: number;
  /** Shared by all workers of this queue through Redis. */
  limiter?: { max: number; duration: number };
  attempts?: number;
  backoffMs?: number;
  /** 0..1: how much of each backoff delay is randomised, so failures that struck together do not retry together. */
  backoffJitter?: number;
}

export function defineJob<Schema extends z.ZodType>(definition: JobDefinition<Schema>): JobDefinition<Schema> {
  return definition;
}
