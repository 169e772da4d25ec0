import { PROJECT_ROOT } from "../config/project-root";
import { NotFoundError } from "../errors/app-errors";
import { createStorage } from "../recording-mirror/storage/create-storage";
import { sdkAppIdOption, requiredOption, stringOption, type ParsedArgs } from "../cli/args";
import type { CliContext } from "../cli/cli-context";
import type { CliCommand } from "../cli/command";
import { ExitCode, UsageError } from "../cli/exit-codes";
import type { CompletenessRow } from "./analytics-repository";
import { createAnalyticsService, type CallStory } from "./analytics-service";

async function analytics(context: CliContext) {
  const sql = await context.database();
  return createAnalyticsService({ sql, storage: () => createStorage(context.config, PROJECT_ROOT, context.logger) });
}

/** A local day, YYYY-MM-DD, that is a real date. */
export function parseLocalDay(name: string, value: string): string {
  const date = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`--${name} must be a day as YYYY-MM-DD, not ${JSON.stringify(value)}`);
  }
  return value;
}

const seconds = (value: number | null) => (value === null ? "-" : `${value}s`);

const REPORT_COLUMNS: [string, (row: CompletenessRow) => string][] = [
  ["app", (row) => row.sdkAppId],
  ["day", (row) => row.day],
  ["calls", (row) => String(row.calls)],
  ["pushed", (row) => String(row.callsPushed)],
  ["reconciled only", (row) => String(row.callsReconciledOnly)],
  ["missing tracks", (row) => String(row.callsMissingTracks)],
  ["tracks", (row) => String(row.tracks)],
  ["mirrored", (row) => String(row.tracksMirrored)],
  ["pending", (row) => String(row.tracksPending)],
  ["failed", (row) => String(row.tracksFailed)],
  ["skipped", (row) => String(row.tracksSkipped)],
  ["push→stored p50/p95", (row) => `${seconds(row.pushToStoredP50Sec)} / ${seconds(row.pushToStoredP95Sec)}`],
  ["end→mirrored p50/p95", (row) => `${seconds(row.endToMirroredP50Sec)} / ${seconds(row.endToMirroredP95Sec)}`],
];

export function formatReport(rows: CompletenessRow[]): string[] {
  if (rows.length === 0) return ["no calls in that range"];
  const cells = [REPORT_COLUMNS.map(([title]) => title), ...rows.map((row) => REPORT_COLUMNS.map(([, cell]) => cell(row)))];
  const widths = REPORT_COLUMNS.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  return cells.map((line) => line.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ").trimEnd());
}

export const reportCommand: CliCommand = {
  name: "report",
  summary: "completeness per application and local day: calls pushed or lost, tracks missing or not mirrored, delays",
  help: `Usage:
  npm run cli -- report --from YYYY-MM-DD --to YYYY-MM-DD [--sdk-app-id N] [--json]

Reads the view daily_completeness (docs/data-dictionary.md) for the local days (ANALYTICS_TIME_ZONE, as the service
last wrote it) from --from to --to, both included: calls, of which pushed and found only by reconciliation, calls
whose CDR names a track nobody delivered, tracks mirrored / pending / failed / skipped, and the p50 / p95 delays from
a push to its rows and from the end of a call to its tracks in storage. --json prints {"days": [...]} for scripts.`,
  options: { from: { type: "string" }, to: { type: "string" }, "sdk-app-id": { type: "string" }, json: { type: "boolean" } },
  async run(args: ParsedArgs, context) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected arguments: ${args.positionals.join(" ")}`);
    const from = parseLocalDay("from", requiredOption(args, "from"));
    const to = parseLocalDay("to", requiredOption(args, "to"));
    if (from > to) throw new UsageError(`--from (${from}) is after --to (${to})`);
    const app = stringOption(args, "sdk-app-id");
    const rows = await (await analytics(context)).report({ from, to, sdkAppId: app === undefined ? undefined : sdkAppIdOption(app) });
    if (args.values.json) context.out.result(JSON.stringify({ days: rows }, null, 2));
    else for (const line of formatReport(rows)) context.out.result(line);
    return ExitCode.OK;
  },
};

export function formatCallStory(story: CallStory): string[] {
  const facts = story.facts ?? {};
  const lines = [
    `app ${story.sdkAppId}, session ${story.sessionId}`,
    story.session
      ? `  ${String(facts.direction_name ?? "unknown direction")} ${String(facts.caller ?? "?")} → ${String(facts.callee ?? "?")}, ${facts.answered ? `answered, talk ${String(facts.talk_sec)} s` : "not answered"}, end status ${String(facts.end_status ?? "-")}, first told by ${String(facts.source)}`
      : "  no CDR yet: only the rows below",
    `  pushes: ${story.pushes.length}, DescribeTelCdr records: ${story.apiRecords.length}, legs: ${story.legs.length}, tracks: ${story.tracks.length}`,
    "timeline:",
    ...story.timeline.map((event) => `  ${event.at}  ${event.source.padEnd(9)}  ${event.what}`),
  ];
  if (story.tracks.length > 0) lines.push("tracks:");
  for (const track of story.tracks) {
    const stored = story.storedObjects[String(track.id)];
    lines.push(`  #${String(track.id)} ${String(track.kind)} ${String(track.record_id ?? track.track_key)}: ${String(track.mirror_status)}${stored ? ` at ${stored}` : ""}${track.mirror_error ? ` (${String(track.mirror_error)})` : ""}`);
  }
  return lines;
}

export const callCommand: CliCommand = {
  name: "call",
  summary: "one call, everything stored about it: pushes, API record, session, legs, tracks, as one timeline",
  help: `Usage:
  npm run cli -- call <SessionId> [--json]

Prints what every table holds of the session, per application it appears in: its pushes (with status, error,
duplicates and replays; --json includes their raw bodies), the DescribeTelCdr record, the session and its figures
(call_facts), the legs, the tracks with their mirror state and where the mirrored objects are, and all of it as one
timeline. Exit code 1 when nothing is stored about the session.`,
  options: { json: { type: "boolean" } },
  async run(args: ParsedArgs, context) {
    const [sessionId, ...extra] = args.positionals;
    if (!sessionId || extra.length > 0) throw new UsageError("give exactly one SessionId");
    let stories: CallStory[];
    try {
      stories = await (await analytics(context)).callStory(sessionId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      context.out.note(error.message);
      return ExitCode.FAILED;
    }
    if (args.values.json) context.out.result(JSON.stringify({ calls: stories }, null, 2));
    else for (const line of stories.flatMap(formatCallStory)) context.out.result(line);
    return ExitCode.OK;
  },
};
