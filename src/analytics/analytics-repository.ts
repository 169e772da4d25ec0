import type { Sql } from "../persistence/database";

/**
 * The SQL behind the completeness report and the call story. Rows come back as jsonb built by PostgreSQL, so ids stay
 * exact (bigints as text) and numbers and times arrive as JSON numbers and ISO strings, as the views define them.
 */

/** One row of daily_completeness (docs/data-dictionary.md), with the application id as text. */
export interface CompletenessRow {
  sdkAppId: string;
  day: string;
  calls: number;
  callsPushed: number;
  callsReconciledOnly: number;
  callsMissingTracks: number;
  tracks: number;
  tracksMirrored: number;
  tracksPending: number;
  tracksFailed: number;
  tracksSkipped: number;
  pushToStoredP50Sec: number | null;
  pushToStoredP95Sec: number | null;
  endToMirroredP50Sec: number | null;
  endToMirroredP95Sec: number | null;
}

export interface ReportRange {
  /** Local days (ANALYTICS_TIME_ZONE), both included, as YYYY-MM-DD. */
  from: string;
  to: string;
  sdkAppId?: bigint;
}

export async function readCompleteness(sql: Sql, range: ReportRange): Promise<CompletenessRow[]> {
  const rows = await sql.$queryRaw<{ row: CompletenessRow }[]>`
    SELECT jsonb_build_object(
      'sdkAppId', c.sdk_app_id::text, 'day', c.day::text, 'calls', c.calls, 'callsPushed', c.calls_pushed,
      'callsReconciledOnly', c.calls_reconciled_only, 'callsMissingTracks', c.calls_missing_tracks, 'tracks', c.tracks,
      'tracksMirrored', c.tracks_mirrored, 'tracksPending', c.tracks_pending, 'tracksFailed', c.tracks_failed,
      'tracksSkipped', c.tracks_skipped, 'pushToStoredP50Sec', c.push_to_stored_p50_sec, 'pushToStoredP95Sec', c.push_to_stored_p95_sec,
      'endToMirroredP50Sec', c.end_to_mirrored_p50_sec, 'endToMirroredP95Sec', c.end_to_mirrored_p95_sec) AS row
    FROM daily_completeness c
    WHERE c.day BETWEEN ${range.from}::date AND ${range.to}::date
      AND (${range.sdkAppId ?? null}::bigint IS NULL OR c.sdk_app_id = ${range.sdkAppId ?? null}::bigint)
    ORDER BY c.sdk_app_id, c.day`;
  return rows.map(({ row }) => row);
}

/** A call found by a search: enough to tell calls apart in a list. */
export interface CallMatch {
  sdkAppId: string;
  sessionId: string;
  direction: string | null;
  caller: string | null;
  callee: string | null;
  startAt: string | null;
  endStatus: string | null;
  agentMail: string | null;
}

/**
 * Calls whose session id, caller or callee is exactly `term` (each indexed), newest first. Support searches what the
 * customer says: their number, or the id a ticket quotes.
 */
export async function searchCalls(sql: Sql, term: string, limit: number): Promise<CallMatch[]> {
  const rows = await sql.$queryRaw<{ row: CallMatch }[]>`
    SELECT jsonb_build_object('sdkAppId', s.sdk_app_id::text, 'sessionId', s.session_id, 'direction', f.direction_name,
      'caller', s.caller, 'callee', s.callee, 'startAt', s.start_at, 'endStatus', s.end_status, 'agentMail', f.agent_mail) AS row
    FROM call_sessions s
    JOIN call_facts f ON f.sdk_app_id = s.sdk_app_id AND f.session_id = s.session_id
    WHERE s.session_id = ${term} OR s.caller = ${term} OR s.callee = ${term}
    ORDER BY s.start_at DESC NULLS LAST, s.session_id
    LIMIT ${limit}`;
  return rows.map(({ row }) => row);
}

/** Everything stored about one session id, per application it appears in; JSON objects with the tables' column names. */
export interface StoredCall {
  sdkAppId: string;
  sessionId: string;
  facts: Record<string, unknown> | null;
  session: Record<string, unknown> | null;
  legs: Record<string, unknown>[];
  tracks: Record<string, unknown>[];
  pushes: Record<string, unknown>[];
  apiRecords: Record<string, unknown>[];
  missingRuns: Record<string, unknown>[];
}

/**
 * One session id across every table, grouped by application: a push that failed before its SdkAppId could be read
 * has none, and is listed under the applications the call is known in.
 */
export async function readStoredCall(sql: Sql, sessionId: string): Promise<StoredCall[]> {
  const rows = await sql.$queryRaw<{ call: StoredCall }[]>`
    WITH apps AS (
      -- by the session_id indexes; a failed push or API record whose call is unknown is found among the failed ones
      SELECT sdk_app_id FROM call_sessions WHERE session_id = ${sessionId}
      UNION SELECT sdk_app_id FROM recordings WHERE session_id = ${sessionId}
      UNION SELECT sdk_app_id FROM push_inbox WHERE status = 'failed' AND session_id = ${sessionId} AND sdk_app_id IS NOT NULL
      UNION SELECT sdk_app_id FROM tel_cdr_records WHERE status = 'failed' AND session_id = ${sessionId}
    )
    SELECT jsonb_build_object(
      'sdkAppId', a.sdk_app_id::text,
      'sessionId', ${sessionId}::text,
      'facts', (SELECT to_jsonb(f) FROM call_facts f WHERE f.sdk_app_id = a.sdk_app_id AND f.session_id = ${sessionId}),
      'session', (SELECT to_jsonb(s) - 'pushed_fields' FROM call_sessions s WHERE s.sdk_app_id = a.sdk_app_id AND s.session_id = ${sessionId}),
      'legs', COALESCE((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.sequence) FROM leg_facts l WHERE l.sdk_app_id = a.sdk_app_id AND l.session_id = ${sessionId}), '[]'),
      'tracks', COALESCE((SELECT jsonb_agg(to_jsonb(r) - 'pushed_fields' - 'mirror_lease_id' ORDER BY r.kind, r.recorded_at, r.id)
                          FROM recordings r WHERE r.sdk_app_id = a.sdk_app_id AND r.session_id = ${sessionId}), '[]'),
      'pushes', COALESCE((SELECT jsonb_agg(to_jsonb(i) ORDER BY i.received_at, i.id) FROM (
                            SELECT * FROM push_inbox WHERE sdk_app_id = a.sdk_app_id AND session_id = ${sessionId}
                            UNION ALL
                            SELECT * FROM push_inbox WHERE sdk_app_id IS NULL AND status = 'failed' AND session_id = ${sessionId}) i), '[]'),
      'apiRecords', COALESCE((SELECT jsonb_agg(to_jsonb(t) ORDER BY t.first_seen_at) FROM tel_cdr_records t
                              WHERE t.sdk_app_id = a.sdk_app_id AND t.session_id = ${sessionId}), '[]'),
      'missingRuns', COALESCE((SELECT jsonb_agg(jsonb_build_object('run_id', m.run_id::text, 'started_at', r.started_at) ORDER BY r.started_at)
                               FROM reconcile_missing_sessions m JOIN reconcile_runs r ON r.id = m.run_id
                               WHERE m.sdk_app_id = a.sdk_app_id AND m.session_id = ${sessionId}), '[]')
    ) AS call
    FROM apps a
    ORDER BY a.sdk_app_id`;
  return rows.map(({ call }) => call);
}

/** Today, as a local day of the zone the views count in. */
export async function readLocalToday(sql: Sql): Promise<string> {
  const [row] = await sql.$queryRaw<{ today: string }[]>`SELECT (now() AT TIME ZONE analytics_time_zone())::date::text AS today`;
  return row!.today;
}
