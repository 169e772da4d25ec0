import type { OptionSpecs, ParsedArgs } from "./args";
import type { CliContext } from "./cli-context";
import type { ExitCode } from "./exit-codes";

/** One command group of the CLI: its options, its help and what it does with the services. */
export interface CliCommand {
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  /** The command's full help, without the exit codes (added for every command). */
  help: string;
  options: OptionSpecs;
  run(args: ParsedArgs, context: CliContext): Promise<ExitCode>;
}
