import { NotFoundError } from "../errors/app-errors";
import type { Sql } from "../persistence/database";
import { mirroredStorageKey } from "../persistence/recordings-repository";
import type { OpenedObject, RecordingStorage } from "../recording-mirror/storage/recording-storage";
import { readCompleteness, readLocalToday, readStoredCall, searchCalls, type CallMatch, type CompletenessRow, type ReportRange, type StoredCall } from "./analytics-repository";

/** One moment of a call's story: what happened, told by which source. */
export interface TimelineEvent {
  at: string;
  source: "call" | "leg" | "push" | "api" | "track" | "reconcile";
  what: string;
}

export interface CallStory extends StoredCall {
  /** Every timestamp the stored rows carry, in order. */
  timeline: TimelineEvent[];
  /** Where each mirrored track is in our storage (`<location>/<storage_key>`), by recordings id. */
  storedObjects: Record<string, string>;
}

export interface AnalyticsService {
  report(range: ReportRange): Promise<CompletenessRow[]>;
  /** Today in the zone the views count in (ANALYTICS_TIME_ZONE as the service last wrote it). */
  localToday(): Promise<string>;
  searchCalls(term: string, limit: number): Promise<CallMatch[]>;
  /** Everything stored about a session id, one story per application it appears in; NotFoundError when nothing is. */
  callStory(sessionId: string): Promise<CallStory[]>;
  /** The mirrored object of a recordings row; NotFoundError when the row has none (yet) or storage lost it. */
  openStoredObject(recordingId: bigint): Promise<OpenedObject & { key: string }>;
}

export interface AnalyticsDependencies {
  sql: Sql;
  /** Opened on first use: only the links to stored objects need it. */
  storage: () => RecordingStorage;
}

type Row = Record<string, unknown>;
const text = (value: unknown) => (value === null || value === undefined ? undefined : String(value));

function callEvents(session: Row | null): TimelineEvent[] {
  if (!session) return [];
  const moments: [string, string][] = [
    ["start_at", "call started"],
    ["queued_at", `queued in ${text(session.queued_skill_group_name) ?? "a skill group"}`],
    ["ring_at", session.direction === 1 ? "customer's phone rang" : "an agent's phone rang"],
    ["accept_at", session.direction === 1 ? "customer answered" : "an agent answered"],
    ["ended_at", `call ended: ${text(session.end_status) ?? "no end status"}${session.hung_up_side ? `, hung up by ${String(session.hung_up_side)}` : ""}`],
  ];
  return moments.flatMap(([column, what]) => (session[column] ? [{ at: String(session[column]), source: "call" as const, what }] : []));
}

function legEvents(leg: Row): TimelineEvent[] {
  const agent = text(leg.agent_mail) ?? text(leg.agent_phone) ?? "an agent";
  const events: TimelineEvent[] = [];
  const add = (column: string, what: string) => leg[column] && events.push({ at: String(leg[column]), source: "leg", what: `leg ${String(leg.sequence)}: ${what}` });
  add("ring_at", `${agent} rang${leg.transfer_from ? ` (transferred from ${String(leg.transfer_from)})` : ""}`);
  add("accept_at", `${agent} accepted${leg.answered ? "" : " (the customer never answered)"}`);
  add("ended_at", `${agent} left${leg.transfer_to ? `, transferring to ${String(leg.transfer_to)}` : ""}${leg.talk_sec !== null ? ` after ${String(leg.talk_sec)} s of talk` : ""}`);
  return events;
}

function pushEvents(push: Row): TimelineEvent[] {
  const what = `${String(push.action)} push ${String(push.push_uuid)}`;
  const events: TimelineEvent[] = [{ at: String(push.received_at), source: "push", what: `${what} received` }];
  if (push.processed_at) events.push({ at: String(push.processed_at), source: "push", what: `${what} stored` });
  if (push.status === "failed") events.push({ at: String(push.received_at), source: "push", what: `${what} failed: ${String(push.error)}` });
  if (push.last_duplicate_at) events.push({ at: String(push.last_duplicate_at), source: "push", what: `${what} received again (${String(push.duplicate_count)} duplicates in all)` });
  if (push.last_replayed_at) events.push({ at: String(push.last_replayed_at), source: "push", what: `${what} replayed (${String(push.replay_count)} times in all)` });
  return events;
}

function apiEvents(record: Row): TimelineEvent[] {
  const failed = record.status === "failed" ? `, could not be read: ${String(record.error)}` : "";
  return [
    { at: String(record.first_seen_at), source: "api", what: `DescribeTelCdr listed the call${failed}` },
    ...(record.last_seen_at !== record.first_seen_at ? [{ at: String(record.last_seen_at), source: "api" as const, what: "DescribeTelCdr listed it again" }] : []),
  ];
}

function trackEvents(track: Row): TimelineEvent[] {
  const name = `${String(track.kind)} track ${text(track.record_id) ?? String(track.track_key)}`;
  const events: TimelineEvent[] = [];
  if (track.recorded_at) events.push({ at: String(track.recorded_at), source: "track", what: `${name} recorded (${text(track.endpoint_user) ?? "unknown party"})` });
  events.push({ at: String(track.created_at), source: "track", what: `${name} known` });
  if (track.mirrored_at) events.push({ at: String(track.mirrored_at), source: "track", what: `${name} mirrored (${String(track.size_bytes)} bytes)` });
  else events.push({ at: String(track.updated_at), source: "track", what: `${name} ${String(track.mirror_status)}${track.mirror_error ? `: ${String(track.mirror_error)}` : ""}` });
  return events;
}

/** The story of one call from the rows every table holds of it, in time order (ties: the order sources are told). */
export function buildTimeline(call: StoredCall): TimelineEvent[] {
  const events = [
    ...callEvents(call.session),
    ...call.legs.flatMap(legEvents),
    ...call.pushes.flatMap(pushEvents),
    ...call.apiRecords.flatMap(apiEvents),
    ...call.tracks.flatMap(trackEvents),
    ...call.missingRuns.map((run) => ({ at: String(run.started_at), source: "reconcile" as const, what: `reconciliation run ${String(run.run_id)} found the call missing: no push had delivered it` })),
  ];
  return events.map((event, index) => ({ event, index, time: Date.parse(event.at) })).sort((a, b) => a.time - b.time || a.index - b.index).map(({ event }) => event);
}

export function createAnalyticsService(dependencies: AnalyticsDependencies): AnalyticsService {
  const { sql } = dependencies;
  let storage: RecordingStorage | undefined;
  const openStorage = () => (storage ??= dependencies.storage());
  return {
    report: (range) => readCompleteness(sql, range),
    localToday: () => readLocalToday(sql),
    searchCalls: (term, limit) => searchCalls(sql, term, limit),
    async callStory(sessionId) {
      const calls = await readStoredCall(sql, sessionId);
      if (calls.length === 0) throw new NotFoundError(`nothing is stored about session ${sessionId}`);
      return calls.map((call) => ({
        ...call,
        timeline: buildTimeline(call),
        storedObjects: Object.fromEntries(call.tracks.filter((track) => track.storage_key).map((track) => [String(track.id), `${openStorage().location}/${String(track.storage_key)}`])),
      }));
    },
    async openStoredObject(recordingId) {
      const key = await mirroredStorageKey(sql, recordingId);
      if (!key) throw new NotFoundError(`recording ${recordingId} has no mirrored object`);
      const object = await openStorage().open(key);
      if (!object) throw new NotFoundError(`recording ${recordingId}'s object ${key} is not in storage`);
      return { ...object, key };
    },
  };
}
