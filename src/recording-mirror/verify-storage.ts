import type { Sql } from "../persistence/database";
import { allRecordingsToVerify, countRecordingsToVerify, referencedStorageKeys, sampledRecordingsToVerify, type RecordingToVerify } from "../persistence/recordings-repository";
import { digestOf } from "./storage/existing-object";
import type { ObjectDigest, RecordingStorage, StoredObject } from "./storage/recording-storage";

/**
 * The audit behind `cli verify`: re-reads what rows say was stored and compares it byte for byte (size and sha256),
 * then lists the store for objects no row points to. Everything streams: rows are read a page at a time, objects one
 * chunk at a time, listings one page at a time.
 */
export type Problem = RowProblem | "unreferenced";
type RowProblem = "missing" | "truncated" | "different" | "unreadable";

export interface Finding {
  problem: Problem;
  storageKey: string;
  /** The row that points at the key; absent for an unreferenced object. */
  recording?: { id: string; sdkAppId: string; sessionId: string; mirrorStatus: string; expected: ObjectDigest };
  /** What the store holds under the key; absent when nothing is there. sha256 only when the whole object was read. */
  found?: { sizeBytes: number; sha256?: string; modifiedAt?: string };
  /** Why the object could not be read (unreadable). */
  error?: string;
}

export interface VerifyOptions {
  sdkAppId?: bigint;
  /** Rows mirrored at or after it; objects written at or after it. */
  since?: Date;
  /** Checks this many random rows instead of all; the store is then not listed. */
  sample?: number;
  /** Objects read at once. */
  concurrency?: number;
}

export interface VerifyProgress {
  recordingsChecked: number;
  recordingsToCheck: number;
  bytesRead: number;
  objectsListed: number;
}

export interface VerifyReport {
  storage: string;
  recordings: { checked: number; matched: number } & Record<RowProblem, number>;
  /** null when sampled: a sample of rows says nothing about the objects no row points to. */
  objects: { listed: number; unreferenced: number } | null;
  bytesRead: number;
}

export interface VerifyListener {
  finding(finding: Finding): void;
  progress(progress: VerifyProgress): void;
}

const KEYS_PER_LOOKUP = 500;
const DEFAULT_CONCURRENCY = 4;

export async function verifyStorage(deps: { sql: Sql; storage: RecordingStorage }, options: VerifyOptions, listener: VerifyListener): Promise<VerifyReport> {
  const { sql, storage } = deps;
  const report: VerifyReport = {
    storage: storage.location,
    recordings: { checked: 0, matched: 0, missing: 0, truncated: 0, different: 0, unreadable: 0 },
    objects: options.sample === undefined ? { listed: 0, unreferenced: 0 } : null,
    bytesRead: 0,
  };
  const recordingsToCheck = options.sample ?? (await countRecordingsToVerify(sql, options));
  const progress = () => listener.progress({ recordingsChecked: report.recordings.checked, recordingsToCheck, bytesRead: report.bytesRead, objectsListed: report.objects?.listed ?? 0 });

  const rows = options.sample === undefined ? allRecordingsToVerify(sql, options) : sampledRecordingsToVerify(sql, options, options.sample);
  await forEachConcurrently(rows, options.concurrency ?? DEFAULT_CONCURRENCY, async (row) => {
    const finding = await checkRow(storage, row, (bytes) => (report.bytesRead += bytes));
    report.recordings.checked += 1;
    if (finding) {
      report.recordings[finding.problem] += 1;
      listener.finding(finding);
    } else {
      report.recordings.matched += 1;
    }
    progress();
  });

  if (report.objects) {
    const objects = report.objects;
    const prefix = options.sdkAppId === undefined ? "" : `${options.sdkAppId}/`;
    for await (const batch of batches(storage.list(prefix), KEYS_PER_LOOKUP)) {
      objects.listed += batch.length;
      const recent = batch.filter((object) => options.since === undefined || object.modifiedAt >= options.since);
      const referenced = await referencedStorageKeys(sql, recent.map((object) => object.key));
      for (const object of recent.filter((candidate) => !referenced.has(candidate.key))) {
        objects.unreferenced += 1;
        listener.finding({ problem: "unreferenced", storageKey: object.key, found: { sizeBytes: object.sizeBytes, modifiedAt: object.modifiedAt.toISOString() } });
      }
      progress();
    }
  }
  return report;
}

export function allMatch(report: VerifyReport): boolean {
  const { checked, matched } = report.recordings;
  return checked === matched && (report.objects?.unreferenced ?? 0) === 0;
}

async function checkRow(storage: RecordingStorage, row: RecordingToVerify, countRead: (bytes: number) => void): Promise<(Finding & { problem: RowProblem }) | undefined> {
  const expected = { sizeBytes: Number(row.size_bytes), sha256: row.sha256 };
  const base = {
    storageKey: row.storage_key,
    recording: { id: row.id.toString(), sdkAppId: row.sdk_app_id.toString(), sessionId: row.session_id, mirrorStatus: row.mirror_status, expected },
  };
  const sizeProblem = (sizeBytes: number): RowProblem => (sizeBytes < expected.sizeBytes ? "truncated" : "different");
  try {
    const opened = await storage.open(row.storage_key);
    if (!opened) return { ...base, problem: "missing" };
    if (opened.sizeBytes !== expected.sizeBytes) {
      opened.body.destroy();
      return { ...base, problem: sizeProblem(opened.sizeBytes), found: { sizeBytes: opened.sizeBytes } };
    }
    const found = await digestOf(opened.body);
    countRead(found.sizeBytes);
    if (found.sizeBytes !== expected.sizeBytes) return { ...base, problem: sizeProblem(found.sizeBytes), found };
    return found.sha256 === expected.sha256 ? undefined : { ...base, problem: "different", found };
  } catch (error) {
    return { ...base, problem: "unreadable", error: (error as Error).message };
  }
}


async function* batches(objects: AsyncIterable<StoredObject>, size: number): AsyncGenerator<StoredObject[]> {
  let batch: StoredObject[] = [];
  for await (const object of objects) {
    batch.push(object);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** `limit` workers draw from one iterator; the first failure stops them all and is thrown. */
async function forEachConcurrently<T>(items: AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure) {
      const next = await iterator.next();
      if (next.done) return;
      await work(next.value);
    }
  };
  await Promise.all(
    Array.from({ length: limit }, () =>
      worker().catch((error: unknown) => {
        failure ??= { error };
      }),
    ),
  );
  if (failure) throw failure.error;
}
