import pino from "pino";
import { callCommand, reportCommand } from "../analytics/analytics-cli";
import { ConfigError, loadConfig } from "../config/env";
import { createLogger } from "../logging/logger";
import { classifyDatabaseError, DatabaseUnavailableError } from "../persistence/database-errors";
import { parseCommandArgs } from "./args";
import { createCliContext, type CliOutput } from "./cli-context";
import type { CliCommand } from "./command";
import { reconcileCommand } from "./commands/reconcile";
import { remirrorCommand } from "./commands/remirror";
import { replayCommand } from "./commands/replay";
import { statusCommand } from "./commands/status";
import { verifyCommand } from "./commands/verify";
import { DependencyUnreachableError, EXIT_CODES_HELP, ExitCode, UsageError } from "./exit-codes";

const COMMANDS: CliCommand[] = [replayCommand, reconcileCommand, remirrorCommand, statusCommand, verifyCommand, reportCommand, callCommand];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "Usage: npm run cli -- <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "`npm run cli -- <command> --help` describes a command. Configuration comes from the environment (or .env), as",
    "for the service: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, TCCC_SECRET_ID/TCCC_SECRET_KEY for reconcile, STORAGE_URL",
    "(and S3_*) for verify.",
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

/** ioredis gives up on a command when the connection is down; the wording varies with the moment it noticed. */
function isRedisUnavailable(error: unknown): boolean {
  const { name, message } = error as { name?: string; message?: string };
  return name === "MaxRetriesPerRequestError" || /Connection is closed|Stream isn't writeable/i.test(message ?? "");
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs one command line and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  const out: CliOutput = { result: (line) => io.stdout(`${line}\n`), note: (line) => io.stderr(`${line}\n`) };
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    out.result(mainHelp());
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    out.note(`unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return ExitCode.USAGE;
  }

  let context;
  try {
    const args = parseCommandArgs(rest, command.options);
    if (args.values.help) {
      out.result(`${command.help}\n\n${EXIT_CODES_HELP}`);
      return ExitCode.OK;
    }
    const config = loadConfig(io.env);
    // the service logs JSON for machines; here a person reads stderr, so only problems unless asked for more
    const logger = createLogger(io.env.LOG_LEVEL ? config.LOG_LEVEL : "error", { role: "cli" }, pino.destination({ fd: 2, sync: true }));
    context = createCliContext(config, logger, out);
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      out.note(`${error.message}\n\nSee: npm run cli -- ${command.name} --help`);
      return ExitCode.USAGE;
    }
    if (error instanceof DependencyUnreachableError) {
      out.note(error.message);
      return ExitCode.UNREACHABLE;
    }
    if (classifyDatabaseError(error) instanceof DatabaseUnavailableError || isRedisUnavailable(error)) {
      out.note(`a dependency became unreachable: ${(error as Error).message}`);
      return ExitCode.UNREACHABLE;
    }
    out.note(`failed: ${(error as Error).stack ?? String(error)}`);
    return ExitCode.FAILED;
  } finally {
    await context?.close();
  }
}
