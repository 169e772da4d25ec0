import { randomUUID } from "node:crypto";
import { Prisma } from "../generated/prisma/client";
import type { TrackIdentity } from "../recording-mirror/object-key";
import type { Sql } from "./database";

/**
 * The recordings table, but for its merge-upsert (call-records-repository.ts, which writes a call's three tables
 * together). The mirror's state lives on the recordings row. A worker claims a pending track by taking a lease (one UPDATE, so
 * two workers can never both hold it) and every later write names the lease it holds: a worker whose lease passed
 * and was taken over cannot overwrite what the new holder writes.
 */
export interface ClaimedTrack extends TrackIdentity {
  id: bigint;
  recordUrl: string;
  customRecordUrl: string | null;
  /** Attempts including this one. */
  attempts: number;
  leaseId: string;
}

export interface MirroredObject {
  storageKey: string;
  sizeBytes: number;
  sha256: string;
}

const LEASE_IS_FREE = Prisma.sql`(mirror_lease_end IS NULL OR mirror_lease_end < now())`;
const releaseLease = Prisma.sql`mirror_lease_id = NULL, mirror_lease_end = NULL, updated_at = now()`;
const leaseEndIn = (leaseMs: number) => Prisma.sql`now() + ${leaseMs}::integer * interval '1 millisecond'`;

interface ClaimedRow {
  id: bigint;
  sdk_app_id: bigint;
  session_id: string;
  kind: string;
  track_key: string;
  record_id: string | null;
  endpoint_user: string | null;
  record_url: string;
  custom_record_url: string | null;
  recorded_at: Date | null;
  created_at: Date;
  mirror_attempts: number;
  mirror_lease_id: string;
}

/** Ends a pending track that is already in the customer's own bucket; false when it is not such a track or not free. */
export async function skipCustomRecording(sql: Sql, id: bigint, reason: string): Promise<boolean> {
  const updated = await sql.$executeRaw`
    UPDATE recordings SET mirror_status = 'skipped', mirror_error = ${reason}, updated_at = now()
     WHERE id = ${id} AND mirror_status = 'pending' AND custom_record_url IS NOT NULL AND ${LEASE_IS_FREE}`;
  return updated > 0;
}

/** Takes the lease of a pending track with a URL; undefined when it is done, has no URL, or another worker holds it. */
export async function claimTrack(sql: Sql, id: bigint, leaseMs: number): Promise<ClaimedTrack | undefined> {
  const [row] = await sql.$queryRaw<ClaimedRow[]>`
    UPDATE recordings
       SET mirror_lease_id = ${randomUUID()}::uuid, mirror_lease_end = ${leaseEndIn(leaseMs)},
           mirror_attempts = mirror_attempts + 1, updated_at = now()
     WHERE id = ${id} AND mirror_status = 'pending' AND record_url IS NOT NULL AND ${LEASE_IS_FREE}
    RETURNING id, sdk_app_id, session_id, kind, track_key, record_id, endpoint_user, record_url, custom_record_url,
              recorded_at, created_at, mirror_attempts, mirror_lease_id::text`;
  if (!row) return undefined;
  return {
    id: row.id,
    sdkAppId: row.sdk_app_id,
    sessionId: row.session_id,
    kind: row.kind,
    trackKey: row.track_key,
    recordId: row.record_id,
    endpointUser: row.endpoint_user,
    recordUrl: row.record_url,
    customRecordUrl: row.custom_record_url,
    recordedAt: row.recorded_at,
    createdAt: row.created_at,
    attempts: row.mirror_attempts,
    leaseId: row.mirror_lease_id,
  };
}

/** False when the lease was lost: another worker took the track over. */
export async function renewLease(sql: Sql, track: ClaimedTrack, leaseMs: number): Promise<boolean> {
  const updated = await sql.$executeRaw`
    UPDATE recordings SET mirror_lease_end = ${leaseEndIn(leaseMs)} WHERE id = ${track.id} AND mirror_lease_id = ${track.leaseId}::uuid`;
  return updated > 0;
}

/** False when the lease was lost meanwhile: the new holder writes the row. */
export async function recordMirrored(sql: Sql, track: ClaimedTrack, object: MirroredObject): Promise<boolean> {
  const updated = await sql.$executeRaw`
    UPDATE recordings
       SET mirror_status = 'mirrored', storage_key = ${object.storageKey}, size_bytes = ${BigInt(object.sizeBytes)},
           sha256 = ${object.sha256}, mirrored_at = now(), mirror_error = NULL, ${releaseLease}
     WHERE id = ${track.id} AND mirror_lease_id = ${track.leaseId}::uuid`;
  return updated > 0;
}

/** Records why an attempt failed and releases the lease; the track stays `pending` unless this was the last try. */
export async function recordFailedAttempt(sql: Sql, track: ClaimedTrack, reason: string, status: "pending" | "failed"): Promise<boolean> {
  const updated = await sql.$executeRaw`
    UPDATE recordings SET mirror_status = ${status}, mirror_error = ${reason}, ${releaseLease}
     WHERE id = ${track.id} AND mirror_lease_id = ${track.leaseId}::uuid`;
  return updated > 0;
}

/**
 * Pending tracks nobody has touched for `minAgeMs` (their job was lost with Redis, or never queued), oldest
 * recording first: those are closest to the vendor's expiry.
 */
export async function findTracksToSweep(sql: Sql, options: { minAgeMs: number; limit: number }): Promise<bigint[]> {
  const rows = await sql.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM recordings
     WHERE mirror_status = 'pending' AND record_url IS NOT NULL AND ${LEASE_IS_FREE}
       AND updated_at < now() - ${options.minAgeMs}::bigint * interval '1 millisecond'
     ORDER BY recorded_at ASC NULLS LAST, id ASC
     LIMIT ${options.limit}`;
  return rows.map((row) => row.id);
}

export type RequeueResult = "queued" | "not-found" | "in-progress";

/**
 * Puts a track back in line for the mirror (after a failure was fixed, a URL re-signed, or storage replaced), with
 * its attempts reset. Refused while a worker holds the lease: that copy is still under way.
 */
export async function requeueTrack(sql: Sql, id: bigint): Promise<RequeueResult> {
  const [row] = await sql.$queryRaw<{ requeued: boolean }[]>`
    WITH target AS (SELECT id, ${LEASE_IS_FREE} AS free FROM recordings WHERE id = ${id} FOR UPDATE),
         requeued AS (
           UPDATE recordings r SET mirror_status = 'pending', mirror_attempts = 0, mirror_error = NULL, updated_at = now()
             FROM target WHERE r.id = target.id AND target.free RETURNING r.id)
    SELECT EXISTS (SELECT 1 FROM requeued) AS requeued FROM target`;
  if (!row) return "not-found";
  return row.requeued ? "queued" : "in-progress";
}

export interface FailedRecording {
  id: bigint;
  sdkAppId: bigint;
  sessionId: string;
  kind: string;
  recordId: string | null;
  recordedAt: Date | null;
  attempts: number;
  error: string | null;
  updatedAt: Date;
}

/** Tracks whose mirror failed, the most recently failed first. */
export async function listFailedRecordings(sql: Sql, limit: number): Promise<FailedRecording[]> {
  return sql.$queryRaw<FailedRecording[]>`
    SELECT id, sdk_app_id AS "sdkAppId", session_id AS "sessionId", kind, record_id AS "recordId", recorded_at AS "recordedAt",
           mirror_attempts AS attempts, mirror_error AS error, updated_at AS "updatedAt"
      FROM recordings WHERE mirror_status = 'failed' ORDER BY updated_at DESC LIMIT ${limit}`;
}

/** The next ids of failed tracks after `afterId`, in id order: a page of a walk over all of them. */
export async function failedRecordingIdsAfter(sql: Sql, afterId: bigint, limit: number): Promise<bigint[]> {
  const rows = await sql.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM recordings WHERE mirror_status = 'failed' AND id > ${afterId} ORDER BY id ASC LIMIT ${limit}`;
  return rows.map((row) => row.id);
}

/** What the mirror still owes (pending) or gave up on (failed), of every application or of one. */
export async function mirrorBacklog(sql: Sql, sdkAppId: bigint | null): Promise<{ pending: number; failed: number; oldest_pending_at: Date | null }> {
  const [row] = await sql.$queryRaw<{ pending: number; failed: number; oldest_pending_at: Date | null }[]>`
    SELECT count(*) FILTER (WHERE mirror_status = 'pending')::int AS pending,
           count(*) FILTER (WHERE mirror_status = 'failed')::int AS failed,
           min(created_at) FILTER (WHERE mirror_status = 'pending') AS oldest_pending_at
    FROM recordings
    WHERE mirror_status IN ('pending', 'failed') AND (${sdkAppId}::bigint IS NULL OR sdk_app_id = ${sdkAppId}::bigint)`;
  return row ?? { pending: 0, failed: 0, oldest_pending_at: null };
}

/** Rows `verify` checks: mirrored ones, of one application or all, mirrored since a date or ever. */
export interface VerifySelection {
  sdkAppId?: bigint;
  since?: Date;
}

export interface RecordingToVerify {
  id: bigint;
  sdk_app_id: bigint;
  session_id: string;
  mirror_status: string;
  storage_key: string;
  size_bytes: bigint;
  sha256: string;
}

const VERIFY_ROWS_PER_PAGE = 500;

function verifyFilters(options: VerifySelection): Prisma.Sql {
  const filters = [Prisma.sql`storage_key IS NOT NULL AND size_bytes IS NOT NULL AND sha256 IS NOT NULL`];
  if (options.sdkAppId !== undefined) filters.push(Prisma.sql`sdk_app_id = ${options.sdkAppId}`);
  if (options.since !== undefined) filters.push(Prisma.sql`mirrored_at >= ${options.since}`);
  return Prisma.join(filters, " AND ");
}

export async function countRecordingsToVerify(sql: Sql, options: VerifySelection): Promise<number> {
  const filters = verifyFilters(options);
  const [row] = await sql.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM recordings WHERE ${filters}`;
  return Number(row?.count ?? 0);
}

const ROW_COLUMNS = Prisma.sql`id, sdk_app_id, session_id, mirror_status, storage_key, size_bytes, sha256`;

/** Every matching row, a page at a time, by id. */
export async function* allRecordingsToVerify(sql: Sql, options: VerifySelection): AsyncGenerator<RecordingToVerify> {
  const filters = verifyFilters(options);
  let after = 0n;
  for (;;) {
    const page = await sql.$queryRaw<RecordingToVerify[]>`
      SELECT ${ROW_COLUMNS} FROM recordings WHERE ${filters} AND id > ${after} ORDER BY id LIMIT ${VERIFY_ROWS_PER_PAGE}`;
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < VERIFY_ROWS_PER_PAGE) return;
    after = last.id;
  }
}

export async function* sampledRecordingsToVerify(sql: Sql, options: VerifySelection, size: number): AsyncGenerator<RecordingToVerify> {
  const filters = verifyFilters(options);
  yield* await sql.$queryRaw<RecordingToVerify[]>`SELECT ${ROW_COLUMNS} FROM recordings WHERE ${filters} ORDER BY random() LIMIT ${size}`;
}

/** Which of these storage keys some row points to. */
export async function referencedStorageKeys(sql: Sql, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await sql.$queryRaw<{ storage_key: string }[]>`SELECT DISTINCT storage_key FROM recordings WHERE storage_key = ANY(${keys}::text[])`;
  return new Set(rows.map((row) => row.storage_key));
}
