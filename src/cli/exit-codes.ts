/** Exit codes scripts can rely on; listed in `--help`. */
export const ExitCode = {
  OK: 0,
  /** The work ran, but some of it failed (a push still fails, a window failed, verify found a problem). */
  FAILED: 1,
  /** Wrong arguments or configuration: nothing was done. */
  USAGE: 2,
  /** PostgreSQL or Redis could not be reached. */
  UNREACHABLE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  the work ran but something failed (e.g. a replayed push still fails, a reconcile window failed, verify found
     a missing, truncated, different or unreferenced object)
  2  usage or configuration error: nothing was done
  3  a dependency (PostgreSQL or Redis) is unreachable`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export class DependencyUnreachableError extends Error {
  override readonly name = "DependencyUnreachableError";
}
