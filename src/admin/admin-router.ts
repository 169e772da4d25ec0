import express, { Router } from "express";
import { z } from "zod";
import { defineRoute, mountApiRoutes, type AnyApiRoute } from "../http/api-route";
import type { JobQueues } from "../jobs/job-queues";
import { PUSH_ACTIONS } from "../tccc/payloads";
import { adminAuthentication, type AdminAccess } from "./admin-auth";
import { adminOpenApiDocument } from "./admin-openapi";
import { pushFilterSchema, type PushAdminService, type PushView } from "./push-admin-service";
import { telCdrRecordFilterSchema, type ReconcileAdminService, type ReconcileRunView, type TelCdrRecordView } from "./reconcile-admin-service";
import type { FailedRecordingView, RecordingAdminService } from "./recording-admin-service";
import { replayPushesJob } from "./replay-pushes-job";
import { replayTelCdrRecordsJob } from "./replay-tel-cdr-records-job";

export interface AdminApiOptions {
  access: AdminAccess | undefined;
  pushAdmin: PushAdminService;
  reconcileAdmin: ReconcileAdminService;
  recordingAdmin: RecordingAdminService;
  jobs: JobQueues;
}

/** The largest JSON body an admin request may carry: filters and ranges, never data. */
export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

// --- input ---
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback).meta({ description: `at most ${max}` });
const listPushesQuery = pushFilterSchema.extend({ limit: limit(1000, 100) });
const pushUuidParams = z.object({ pushUuid: z.string().min(1).max(200).meta({ description: "the push's X-TCCC-PUSH-UUID (or sha256: id)" }) });

/** Unix seconds or an ISO 8601 date. */
const instant = z
  .union([z.number().int().nonnegative().transform((seconds) => new Date(seconds * 1000)), z.iso.datetime({ offset: true }).transform((text) => new Date(text))])
  .meta({ description: "unix seconds, or an ISO 8601 date and time with its offset" });
const reconcileBody = z.object({ sdkAppId: z.coerce.number().int().positive(), from: instant, to: instant }).strict();
const recordingParams = z.object({ id: z.string().regex(/^\d{1,19}$/, "must be a recording id").transform(BigInt) });
const listRecordingsQuery = z.object({ status: z.literal("failed").default("failed"), limit: limit(1000, 100) });
const listTelCdrRecordsQuery = telCdrRecordFilterSchema.extend({ limit: limit(1000, 100) });
const telCdrRecordParams = z.object({ id: z.string().regex(/^\d{1,19}$/, "must be a record id").transform(BigInt) });
const listRunsQuery = z.object({
  sdkAppId: z.string().regex(/^\d{1,19}$/, "must be a number").transform(BigInt).optional(),
  status: z.enum(["queued", "running", "succeeded", "failed"]).optional(),
  limit: limit(500, 50),
});

// --- output: each checked against the service's view type, so the document cannot drift from what is sent ---
const timestamp = z.iso.datetime();
/** A text column: its values are listed for readers, its type stays the column's. */
const oneOf = (values: readonly string[]) => z.string().meta({ description: values.join(" | ") });
const pushView = z
  .object({
    pushUuid: z.string(),
    action: oneOf(PUSH_ACTIONS),
    sdkAppId: z.string().nullable(),
    sessionId: z.string().nullable(),
    status: oneOf(["processed", "failed"]),
    error: z.string().nullable(),
    duplicateCount: z.number().int(),
    replayCount: z.number().int(),
    receivedAt: timestamp,
    processedAt: timestamp.nullable(),
    lastReplayedAt: timestamp.nullable(),
  })
  .meta({ id: "Push" }) satisfies z.ZodType<PushView>;
const reconcileRunView = z
  .object({
    id: z.string(),
    sdkAppId: z.string(),
    windowStart: timestamp,
    windowEnd: timestamp,
    status: oneOf(["queued", "running", "succeeded", "failed"]),
    fetched: z.number().int(),
    created: z.number().int().meta({ description: "calls no push had delivered" }),
    updated: z.number().int(),
    unchanged: z.number().int(),
    failedRecords: z.number().int().meta({ description: "records the API listed that could not be read; the run is then failed" }),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    error: z.string().nullable(),
    missingSessionIds: z.array(z.string()).meta({ description: "the first 50 sessions the run found missing" }),
    missingCount: z.number().int(),
  })
  .meta({ id: "ReconcileRun" }) satisfies z.ZodType<ReconcileRunView>;
const failedRecordingView = z
  .object({
    id: z.string(),
    sdkAppId: z.string(),
    sessionId: z.string(),
    kind: oneOf(["call", "voicemail"]),
    recordId: z.string().nullable(),
    recordedAt: timestamp.nullable(),
    attempts: z.number().int(),
    error: z.string().nullable(),
    updatedAt: timestamp,
  })
  .meta({ id: "FailedRecording" }) satisfies z.ZodType<FailedRecordingView>;
const telCdrRecordView = z
  .object({
    id: z.string(),
    sdkAppId: z.string(),
    sessionId: z.string().nullable(),
    recordKey: z.string().meta({ description: "the record's SessionId, or sha256: of its body when it has none" }),
    status: oneOf(["processed", "failed"]),
    error: z.string().nullable(),
    firstSeenAt: timestamp,
    lastSeenAt: timestamp,
    lastRunId: z.string().nullable(),
    replayCount: z.number().int(),
    lastReplayedAt: timestamp.nullable(),
  })
  .meta({ id: "TelCdrRecord" }) satisfies z.ZodType<TelCdrRecordView>;
const replayOutcome = z.object({ status: z.enum(["processed", "failed"]), error: z.string().nullable() });

/** Every route of the admin JSON API; the OpenAPI document at /admin/openapi.json is generated from this list. */
export function adminApiRoutes(options: Omit<AdminApiOptions, "access">): AnyApiRoute[] {
  const { pushAdmin, reconcileAdmin, recordingAdmin, jobs } = options;
  return [
    defineRoute({
      id: "listPushes",
      method: "get",
      path: "/admin/pushes",
      summary: "Stored pushes with their errors, newest first",
      query: listPushesQuery,
      response: { status: 200, description: "the pushes", schema: z.object({ pushes: z.array(pushView) }) },
      handle: async ({ query: { limit: take, ...filter } }) => ({ pushes: await pushAdmin.list(filter, take) }),
    }),
    defineRoute({
      id: "replayPushes",
      method: "post",
      path: "/admin/pushes/replay",
      summary: "Replay every push matching a filter, as a job",
      description: "Answers at once with the job's id; progress is on the job (see /admin/queues).",
      body: pushFilterSchema.strict(),
      bodyOptional: true,
      response: { status: 202, description: "the job was queued", schema: z.object({ jobId: z.string().optional(), filter: pushFilterSchema }) },
      handle: async ({ body: filter }) => ({ jobId: (await jobs.enqueue(replayPushesJob, filter)).id, filter }),
    }),
    defineRoute({
      id: "replayPush",
      method: "post",
      path: "/admin/pushes/:pushUuid/replay",
      summary: "Normalize one stored push again",
      description: "Idempotent: records status, error, replay_count and last_replayed_at.",
      params: pushUuidParams,
      errors: { 404: "no push with that id" },
      response: {
        status: 200,
        description: "the outcome of the replay",
        schema: z.object({ pushUuid: z.string(), status: z.enum(["processed", "failed"]), error: z.string().nullable() }),
      },
      handle: async ({ params: { pushUuid } }) => {
        const { status, error } = await pushAdmin.replay(pushUuid);
        return { pushUuid, status, error };
      },
    }),
    defineRoute({
      id: "reconcileRange",
      method: "post",
      path: "/admin/reconcile",
      summary: "Reconcile a range of an application against DescribeTelCdr",
      description: "Answers at once with one run per window; each run is taken over by its job.",
      body: reconcileBody,
      errors: { 409: "reconciliation is not configured" },
      response: { status: 202, description: "the runs were queued", schema: z.object({ runIds: z.array(z.string()) }) },
      handle: async ({ body: { sdkAppId, from, to } }) => ({ runIds: await reconcileAdmin.requestRange(sdkAppId, from, to) }),
    }),
    defineRoute({
      id: "listReconcileRuns",
      method: "get",
      path: "/admin/reconcile/runs",
      summary: "Reconciliation runs with their counts and the sessions they found missing",
      query: listRunsQuery,
      response: { status: 200, description: "the runs, newest first", schema: z.object({ runs: z.array(reconcileRunView) }) },
      handle: async ({ query: { limit: take, ...filter } }) => ({ runs: await reconcileAdmin.listRuns(filter, take) }),
    }),
    defineRoute({
      id: "listTelCdrRecords",
      method: "get",
      path: "/admin/reconcile/records",
      summary: "DescribeTelCdr records as the API last listed them, most recently seen first",
      query: listTelCdrRecordsQuery,
      response: { status: 200, description: "the records (without their bodies)", schema: z.object({ records: z.array(telCdrRecordView) }) },
      handle: async ({ query: { limit: take, ...filter } }) => ({ records: await reconcileAdmin.listRecords(filter, take) }),
    }),
    defineRoute({
      id: "replayTelCdrRecords",
      method: "post",
      path: "/admin/reconcile/records/replay",
      summary: "Map every stored DescribeTelCdr record matching a filter into the call tables again, as a job",
      description: "Answers at once with the job's id; progress is on the job (see /admin/queues).",
      body: telCdrRecordFilterSchema.strict(),
      bodyOptional: true,
      response: { status: 202, description: "the job was queued", schema: z.object({ jobId: z.string().optional(), filter: telCdrRecordFilterSchema }) },
      handle: async ({ body: filter }) => ({ jobId: (await jobs.enqueue(replayTelCdrRecordsJob, filter)).id, filter }),
    }),
    defineRoute({
      id: "replayTelCdrRecord",
      method: "post",
      path: "/admin/reconcile/records/:id/replay",
      summary: "Map one stored DescribeTelCdr record into the call tables again",
      params: telCdrRecordParams,
      errors: { 404: "no record with that id" },
      response: { status: 200, description: "the outcome of the replay", schema: replayOutcome.extend({ id: z.string() }) },
      handle: async ({ params: { id } }) => {
        const { status, error } = await reconcileAdmin.replayRecord(id);
        return { id: id.toString(), status, error };
      },
    }),
    defineRoute({
      id: "listFailedRecordings",
      method: "get",
      path: "/admin/recordings",
      summary: "Recordings whose mirror failed",
      query: listRecordingsQuery,
      response: { status: 200, description: "the recordings, most recently failed first", schema: z.object({ recordings: z.array(failedRecordingView) }) },
      handle: async ({ query: { limit: take } }) => ({ recordings: await recordingAdmin.listFailed(take) }),
    }),
    defineRoute({
      id: "remirrorRecording",
      method: "post",
      path: "/admin/recordings/:id/mirror",
      summary: "Send a recording to the mirror again",
      description: "Back to pending with its attempts reset, and queued.",
      params: recordingParams,
      errors: { 404: "no recording with that id", 409: "the recording is being mirrored right now" },
      response: { status: 202, description: "queued", schema: z.object({ recordingId: z.string(), mirrorStatus: z.literal("pending") }) },
      handle: async ({ params: { id } }) => {
        await recordingAdmin.remirror(id);
        return { recordingId: id.toString(), mirrorStatus: "pending" as const };
      },
    }),
  ];
}

/** The admin JSON API behind the admin token: the declared routes, and their description at /admin/openapi.json. */
export function adminApiRouter(options: AdminApiOptions): Router {
  const routes = adminApiRoutes(options);
  const document = adminOpenApiDocument(routes, ADMIN_BODY_LIMIT_BYTES);
  const router = Router();
  router.use("/admin", adminAuthentication(options.access), express.json({ limit: ADMIN_BODY_LIMIT_BYTES }));
  mountApiRoutes(router, routes);
  router.get("/admin/openapi.json", (_req, res) => {
    res.json(document);
  });
  return router;
}
