import { PROJECT_ROOT } from "../../config/project-root";
import { createStorage } from "../../recording-mirror/storage/create-storage";
import { allMatch, verifyStorage, type Finding, type VerifyOptions, type VerifyProgress, type VerifyReport } from "../../recording-mirror/verify-storage";
import { parseInstant, sdkAppIdOption, stringOption, type ParsedArgs } from "../args";
import type { CliCommand } from "../command";
import { ExitCode, UsageError } from "../exit-codes";

const PROGRESS_EVERY_MS = 2000;

function optionsFrom(args: ParsedArgs): VerifyOptions {
  if (args.positionals.length > 0) throw new UsageError(`unexpected arguments: ${args.positionals.join(" ")}`);
  const app = stringOption(args, "sdk-app-id");
  const since = stringOption(args, "since");
  const sample = stringOption(args, "sample");
  if (sample !== undefined && !/^[1-9]\d{0,8}$/.test(sample)) throw new UsageError(`--sample must be a positive number of recordings, not ${JSON.stringify(sample)}`);
  return {
    sdkAppId: app === undefined ? undefined : sdkAppIdOption(app),
    since: since === undefined ? undefined : parseInstant("since", since),
    sample: sample === undefined ? undefined : Number(sample),
  };
}

function formatBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatFinding(finding: Finding): string {
  const { recording, found } = finding;
  if (!recording) return `unreferenced  ${finding.storageKey}: ${found?.sizeBytes} bytes written ${found?.modifiedAt}; no recording points to it`;
  const row = `recording ${recording.id} (app ${recording.sdkAppId}, session ${recording.sessionId}, ${recording.mirrorStatus})`;
  const expected = `${recording.expected.sizeBytes} bytes with sha256 ${recording.expected.sha256}`;
  const problem = finding.problem.padEnd(12);
  switch (finding.problem) {
    case "missing":
      return `${problem}  ${row}: ${finding.storageKey} is not in the store; the row says ${expected}`;
    case "truncated":
      return `${problem}  ${row}: ${finding.storageKey} holds ${found?.sizeBytes} of the ${recording.expected.sizeBytes} bytes the row says`;
    case "different":
      return `${problem}  ${row}: ${finding.storageKey} holds ${found?.sizeBytes} bytes${found?.sha256 ? ` with sha256 ${found.sha256}` : ""}; the row says ${expected}`;
    default:
      return `${problem}  ${row}: ${finding.storageKey} could not be read: ${finding.error}`;
  }
}

function formatSummary(report: VerifyReport): string {
  const { checked, matched, missing, truncated, different, unreadable } = report.recordings;
  const objects = report.objects ? `${report.objects.listed} objects listed, ${report.objects.unreferenced} unreferenced` : "the store was not listed (--sample)";
  return (
    `verified ${checked} recordings in ${report.storage}: ${matched} match, ${missing} missing, ${truncated} truncated, ${different} different, ` +
    `${unreadable} unreadable; ${objects}; ${formatBytes(report.bytesRead)} read`
  );
}

function formatProgress(progress: VerifyProgress): string {
  return `checked ${progress.recordingsChecked}/${progress.recordingsToCheck} recordings (${formatBytes(progress.bytesRead)} read), listed ${progress.objectsListed} objects`;
}

export const verifyCommand: CliCommand = {
  name: "verify",
  summary: "re-read stored recordings and compare size and sha256 with their rows; list objects no row points to",
  help: `Usage:
  npm run cli -- verify [--sdk-app-id N] [--since <time>] [--sample N] [--json]

Reads every object a recordings row points to (storage_key) from STORAGE_URL, the service's storage, and compares its
size and sha256 with the row's size_bytes and sha256; then lists the store for objects that no row points to. Objects
are streamed, never held in memory. Reports, one line each on stdout:
  missing       no object under the row's key
  truncated     fewer bytes than the row says
  different     other bytes than the row says (more bytes, or the same number with another sha256)
  unreadable    the store answered with an error
  unreferenced  an object no row points to (an object published in the last instant, before its row was
                written, can show here once: run again)
then a summary. Exit code 0 when everything matches, 1 otherwise.

  --sdk-app-id N  only this application's rows, and only objects under N/
  --since <time>  only rows mirrored at or after <time>, and objects written at or after it (unix seconds or
                  ISO 8601 with a zone: 2026-03-01, 2026-03-01T08:00:00Z)
  --sample N      N random rows instead of all; the store is then not listed for unreferenced objects
  --json          one JSON object on stdout: the summary's counts, allMatch, and findings[]

Progress goes to stderr. To repair a row reported missing, truncated or different: look at the stored object, move it
aside if it is wrong, then \`npm run cli -- remirror <recordingId>\` (the mirror never replaces an object).`,
  options: { "sdk-app-id": { type: "string" }, since: { type: "string" }, sample: { type: "string" }, json: { type: "boolean" } },
  async run(args, context) {
    const options = optionsFrom(args);
    const json = args.values.json === true;
    const storage = createStorage(context.config, PROJECT_ROOT, context.logger);
    try {
      const sql = await context.database();
      const findings: Finding[] = [];
      let lastProgress = Date.now();
      context.out.note(`verifying recordings in ${storage.location}${options.sample ? ` (a sample of ${options.sample})` : ""}`);
      const report = await verifyStorage({ sql, storage }, options, {
        finding(finding) {
          if (json) findings.push(finding);
          else context.out.result(formatFinding(finding));
        },
        progress(progress) {
          if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = Date.now();
          context.out.note(formatProgress(progress));
        },
      });
      if (json) context.out.result(JSON.stringify({ ...report, allMatch: allMatch(report), findings }, null, 2));
      else context.out.result(formatSummary(report));
      return allMatch(report) ? ExitCode.OK : ExitCode.FAILED;
    } finally {
      storage.close();
    }
  },
};
