import { readFile, rm, truncate, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Recording } from "../../src/generated/prisma/client";
import type { VerifyReport, Finding } from "../../src/recording-mirror/verify-storage";
import { audio, file, startRecordingHost, type RecordingHost } from "../recording-mirror/support/recording-host";
import { settledRecordings, startMirrorService, type MirrorTestService } from "../recording-mirror/support/mirror-service";
import { startS3Store, type S3Store } from "../recording-mirror/support/s3-store";
import { sampleRecord } from "../support/payloads";
import { runCli } from "../support/run-cli";
import { uniqueSdkAppId, uniqueSessionId } from "../support/test-service";

jest.setTimeout(120_000);

const PREFIX = "tccc/recordings";

/** How each test damages a backend's objects, without going through the backend's code. */
interface Damage {
  cliEnv(): Record<string, string>;
  truncate(key: string): Promise<void>;
  flipByte(key: string): Promise<void>;
  remove(key: string): Promise<void>;
  add(key: string, bytes: Buffer): Promise<void>;
}

let s3: S3Store;
const backends: [string, () => Record<string, string>, (service: MirrorTestService) => Damage][] = [
  [
    "the file backend",
    () => ({}),
    (service) => {
      const at = (key: string) => path.join(service.storageDir, ...key.split("/"));
      return {
        cliEnv: () => ({ STORAGE_URL: pathToFileURL(service.storageDir).href }),
        truncate: async (key) => truncate(at(key), 1000),
        async flipByte(key) {
          const bytes = await readFile(at(key));
          bytes[bytes.length >> 1]! ^= 0x01;
          await writeFile(at(key), bytes);
        },
        remove: (key) => rm(at(key)),
        async add(key, bytes) {
          await mkdir(path.dirname(at(key)), { recursive: true });
          await writeFile(at(key), bytes);
        },
      };
    },
  ],
  [
    "s3rver",
    () => s3.serviceEnv(PREFIX),
    () => {
      const original = (key: string) => s3.bytes(`${PREFIX}/${key}`);
      return {
        cliEnv: () => s3.serviceEnv(PREFIX),
        truncate: async (key) => s3.put(`${PREFIX}/${key}`, (await original(key)).subarray(0, 1000)),
        async flipByte(key) {
          const bytes = await original(key);
          bytes[bytes.length >> 1]! ^= 0x01;
          await s3.put(`${PREFIX}/${key}`, bytes);
        },
        remove: (key) => s3.remove(`${PREFIX}/${key}`),
        add: (key, bytes) => s3.put(`${PREFIX}/${key}`, bytes),
      };
    },
  ],
];

beforeAll(async () => {
  s3 = await startS3Store();
});
afterAll(() => s3.close());

describe.each(backends)("cli verify over %s", (_name, serviceEnv, damageOf) => {
  let host: RecordingHost;
  let service: MirrorTestService;
  let damage: Damage;
  beforeAll(async () => {
    host = await startRecordingHost();
    service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority, ...serviceEnv() });
    damage = damageOf(service);
  });
  afterAll(async () => {
    await service.stop();
    await host.close();
  });
  const verify = (...args: string[]) => runCli(["verify", ...args], damage.cliEnv());

  /** `count` mirrored tracks of a fresh application, of 4 kB to 40 kB. */
  async function mirroredApp(count: number): Promise<{ sdkAppId: number; rows: Recording[] }> {
    const sdkAppId = uniqueSdkAppId();
    await Promise.all(
      Array.from({ length: count }, async (_unused, index) => {
        host.serve(`/${sdkAppId}/${index}.mp3`, file(audio(4000 * (index + 1)).bytes, "audio/mpeg"));
        const answer = await service.push("record", sampleRecord(sdkAppId, uniqueSessionId(), { RecordURL: host.url(`/${sdkAppId}/${index}.mp3`) }));
        expect(answer.body.ErrCode).toBe(0);
      }),
    );
    const rows = await settledRecordings(service.database.prisma, BigInt(sdkAppId), count);
    expect(rows.every((row) => row.mirrorStatus === "mirrored")).toBe(true);
    return { sdkAppId, rows };
  }

  it("finds a truncated file, a flipped byte, a deleted object and an unreferenced object, and exits 1", async () => {
    const { sdkAppId, rows } = await mirroredApp(5);
    const [truncated, flipped, deleted] = rows as [Recording, Recording, Recording];
    await damage.truncate(truncated.storageKey!);
    await damage.flipByte(flipped.storageKey!);
    await damage.remove(deleted.storageKey!);
    const orphan = `${sdkAppId}/2020/12/16/nobody/call-x-unknown-0000000000000000.mp3`;
    await damage.add(orphan, Buffer.from("no row points here"));

    const [text, json] = await Promise.all([verify("--sdk-app-id", String(sdkAppId)), verify("--sdk-app-id", String(sdkAppId), "--json")]);

    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split("\n");
    const byProblem = Object.fromEntries(lines.slice(0, -1).map((line) => [line.split(" ")[0], line]));
    const row = (recording: Recording) => `recording ${recording.id} (app ${sdkAppId}, session ${recording.sessionId}, mirrored)`;
    expect(lines).toHaveLength(5);
    expect(byProblem).toEqual({
      truncated: `truncated     ${row(truncated)}: ${truncated.storageKey} holds 1000 of the ${truncated.sizeBytes} bytes the row says`,
      different: expect.stringMatching(
        new RegExp(
          `^different     ${escape(row(flipped))}: ${escape(flipped.storageKey!)} holds ${flipped.sizeBytes} bytes with sha256 (?!${flipped.sha256})[0-9a-f]{64}; ` +
            `the row says ${flipped.sizeBytes} bytes with sha256 ${flipped.sha256}$`,
        ),
      ),
      missing: `missing       ${row(deleted)}: ${deleted.storageKey} is not in the store; the row says ${deleted.sizeBytes} bytes with sha256 ${deleted.sha256}`,
      unreferenced: expect.stringMatching(new RegExp(`^unreferenced  ${escape(orphan)}: 18 bytes written \\S+; no recording points to it$`)),
    });
    expect(lines.at(-1)).toMatch(/^verified 5 recordings in \S+: 2 match, 1 missing, 1 truncated, 1 different, 0 unreadable; 5 objects listed, 1 unreferenced; [\d.]+ kB read$/i);
    expect(text.stderr).toContain("verifying recordings in");

    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as VerifyReport & { allMatch: boolean; findings: Finding[] };
    expect(report).toMatchObject({ allMatch: false, recordings: { checked: 5, matched: 2, missing: 1, truncated: 1, different: 1, unreadable: 0 }, objects: { listed: 5, unreferenced: 1 } });
    expect(report.findings.map((finding) => [finding.problem, finding.storageKey, finding.recording?.id]).sort()).toEqual(
      [
        ["truncated", truncated.storageKey, truncated.id.toString()],
        ["different", flipped.storageKey, flipped.id.toString()],
        ["missing", deleted.storageKey, deleted.id.toString()],
        ["unreferenced", orphan, undefined],
      ].sort(),
    );
  });

  it("--sample checks that many rows and lists nothing; --since leaves out older rows and objects", async () => {
    const { sdkAppId, rows } = await mirroredApp(3);
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    await damage.add(`${sdkAppId}/2020/12/16/old/orphan.mp3`, Buffer.from("written before --since"));
    await damage.remove(rows[0]!.storageKey!);

    const [sample, since, help] = await Promise.all([
      verify("--sdk-app-id", String(sdkAppId), "--sample", "2", "--json"),
      verify("--sdk-app-id", String(sdkAppId), "--since", inAMinute),
      verify("--help"),
    ]);

    const sampled = JSON.parse(sample.stdout) as VerifyReport;
    expect(sampled).toMatchObject({ objects: null });
    expect(sampled.recordings.checked).toBe(2);
    expect(since).toMatchObject({ code: 0 });
    expect(since.stdout).toMatch(/^verified 0 recordings in \S+: 0 match, .*; 3 objects listed, 0 unreferenced; 0 bytes read\n$/);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("npm run cli -- verify [--sdk-app-id N] [--since <time>] [--sample N] [--json]");
  });
});

it("cli verify exits 0 for an intact application, and 2 for a bad option", async () => {
  const host = await startRecordingHost();
  const service = await startMirrorService({ MIRROR_ALLOWED_HOSTS: host.authority });
  try {
    const { bytes } = audio(5000);
    host.serve("/intact.mp3", file(bytes, "audio/mpeg"));
    const row = await service.pushRecordAndSettle(host.url("/intact.mp3"));
    const env = { STORAGE_URL: pathToFileURL(service.storageDir).href };

    const [intact, badSample] = await Promise.all([runCli(["verify", "--sdk-app-id", row.sdkAppId.toString()], env), runCli(["verify", "--sample", "0"], env)]);

    expect(intact).toMatchObject({ code: 0 });
    expect(intact.stdout).toMatch(/^verified 1 recordings in file:\S+: 1 match, 0 missing, 0 truncated, 0 different, 0 unreadable; 1 objects listed, 0 unreferenced; 5\.0 kB read\n$/);
    expect(badSample.code).toBe(2);
    expect(badSample.stderr).toContain('--sample must be a positive number of recordings, not "0"');
  } finally {
    await service.stop();
    await host.close();
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
