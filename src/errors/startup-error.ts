/**
 * Why the service cannot start, in one line an operator can act on (which dependency, where, what it answered);
 * the entry point logs it as such, without a stack trace.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** The part of an error worth a log line: Prisma wraps the driver's reason in lines about the invocation, so the last one. */
export function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split("\n").pop() ?? message;
}
