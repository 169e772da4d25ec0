import type { z } from "zod";
import { BadRequestError } from "../errors/app-errors";
import { describeIssues } from "../tccc/fields";

/** Parses request input with a route's zod schema; a mismatch is a 400 that says what is wrong. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new BadRequestError(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}
