import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseSdkAppId, SDK_APP_ID_RULE } from "../tccc/sdk-app-id";
import { UsageError } from "./exit-codes";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Node's own strict parser: unknown options and missing values are usage errors, not silently ignored. */
export function parseCommandArgs(argv: string[], options: OptionSpecs): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

export function requiredOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

export function sdkAppIdOption(value: string): bigint {
  const id = parseSdkAppId(value);
  if (id === undefined) throw new UsageError(`--sdk-app-id must be an application id (${SDK_APP_ID_RULE}), not ${JSON.stringify(value)}`);
  return id;
}

/**
 * Unix seconds, or ISO 8601 with a zone (`Z`, `+08:00`) or a bare date (UTC midnight). A time without a zone is
 * refused: it would silently mean the operator's local time, which is rarely the one they meant.
 */
export function parseInstant(name: string, value: string): Date {
  const date = /^\d{1,11}$/.test(value)
    ? new Date(Number(value) * 1000)
    : /^\d{4}-\d{2}-\d{2}$/.test(value) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)
      ? new Date(value)
      : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${name} must be unix seconds or ISO 8601 with a zone (2026-03-01, 2026-03-01T08:00:00Z, 2026-03-01T16:00+08:00), not ${JSON.stringify(value)}`);
  }
  return date;
}
