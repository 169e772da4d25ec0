import { Router } from "express";
import { z } from "zod";
import type { AdminAccess } from "../admin/admin-auth";
import { adminPageGuard } from "../admin/page/admin-page-router";
import { html, type Html } from "../admin/page/html";
import { layout } from "../admin/page/views";
import { defineRoute, type AnyApiRoute } from "../http/api-route";
import { validate } from "../http/validate";
import type { CallMatch, CompletenessRow } from "./analytics-repository";
import type { AnalyticsService, CallStory } from "./analytics-service";
import { lineChart, stackedBarChart } from "./report-chart";
import { sdkAppIdField } from "../tccc/sdk-app-id";

// --- input ---
const localDay = z.iso.date().meta({ description: "a local day (ANALYTICS_TIME_ZONE), YYYY-MM-DD" });
const reportQuery = z.object({ from: localDay, to: localDay, sdkAppId: sdkAppIdField.optional() }).refine((range) => range.from <= range.to, { message: "from must not be after to", path: ["from"] });
const searchQuery = z.object({
  q: z.string().trim().min(1).max(200).meta({ description: "a session id, or a caller's or callee's number exactly as stored" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const sessionParams = z.object({ sessionId: z.string().min(1).max(200) });

// --- output ---
const delay = z.number().nullable();
const completenessRow = z
  .object({
    sdkAppId: z.string(),
    day: z.string(),
    calls: z.number().int(),
    callsPushed: z.number().int(),
    callsReconciledOnly: z.number().int().meta({ description: "calls only DescribeTelCdr told us of: what pushes lost" }),
    callsMissingTracks: z.number().int(),
    tracks: z.number().int(),
    tracksMirrored: z.number().int(),
    tracksPending: z.number().int(),
    tracksFailed: z.number().int(),
    tracksSkipped: z.number().int(),
    pushToStoredP50Sec: delay,
    pushToStoredP95Sec: delay,
    endToMirroredP50Sec: delay,
    endToMirroredP95Sec: delay,
  })
  .meta({ id: "CompletenessDay", description: "one row of the view daily_completeness (docs/data-dictionary.md)" }) satisfies z.ZodType<CompletenessRow>;
const callMatch = z
  .object({
    sdkAppId: z.string(),
    sessionId: z.string(),
    direction: z.string().nullable(),
    caller: z.string().nullable(),
    callee: z.string().nullable(),
    startAt: z.string().nullable(),
    endStatus: z.string().nullable(),
    agentMail: z.string().nullable(),
  })
  .meta({ id: "CallMatch" }) satisfies z.ZodType<CallMatch>;
const rowObject = z.record(z.string(), z.unknown()).meta({ description: "a row, with the table's or view's column names" });
const callStory = z
  .object({
    sdkAppId: z.string(),
    sessionId: z.string(),
    facts: rowObject.nullable().meta({ description: "the call_facts row" }),
    session: rowObject.nullable().meta({ description: "the call_sessions row" }),
    legs: z.array(rowObject).meta({ description: "leg_facts rows" }),
    tracks: z.array(rowObject).meta({ description: "recordings rows, with their mirror state" }),
    pushes: z.array(rowObject).meta({ description: "push_inbox rows, raw bodies included" }),
    apiRecords: z.array(rowObject).meta({ description: "tel_cdr_records rows, raw bodies included" }),
    missingRuns: z.array(rowObject).meta({ description: "reconciliation runs that found the call missing" }),
    timeline: z.array(z.object({ at: z.string(), source: z.enum(["call", "leg", "push", "api", "track", "reconcile"]), what: z.string() })),
    storedObjects: z.record(z.string(), z.string()).meta({ description: "where each mirrored track is in storage, by recordings id" }),
  })
  .meta({ id: "CallStory" }) satisfies z.ZodType<CallStory>;

/** The JSON routes of the completeness report and the call page, declared like every admin route. */
export function analyticsApiRoutes(analytics: AnalyticsService): AnyApiRoute[] {
  return [
    defineRoute({
      id: "completenessReport",
      method: "get",
      path: "/admin/report",
      summary: "Completeness per application and local day: calls pushed or lost, tracks missing or not mirrored, delays",
      query: reportQuery,
      response: { status: 200, description: "the days that have calls, by application and day", schema: z.object({ days: z.array(completenessRow) }) },
      handle: async ({ query }) => ({ days: await analytics.report(query) }),
    }),
    defineRoute({
      id: "searchCalls",
      method: "get",
      path: "/admin/calls",
      summary: "Calls by session id, caller or callee, newest first",
      query: searchQuery,
      response: { status: 200, description: "the calls found", schema: z.object({ calls: z.array(callMatch) }) },
      handle: async ({ query: { q, limit } }) => ({ calls: await analytics.searchCalls(q, limit) }),
    }),
    defineRoute({
      id: "getCall",
      method: "get",
      path: "/admin/calls/:sessionId",
      summary: "One call, everything stored about it, as one timeline (per application the session id appears in)",
      params: sessionParams,
      errors: { 404: "nothing is stored about that session id" },
      response: { status: 200, description: "the call's story", schema: z.object({ calls: z.array(callStory) }) },
      handle: async ({ params: { sessionId } }) => ({ calls: await analytics.callStory(sessionId) }),
    }),
  ];
}

const REPORT_DAYS = 14;

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = new Date(`${from}T00:00:00Z`); day <= new Date(`${to}T00:00:00Z`); day.setUTCDate(day.getUTCDate() + 1)) days.push(day.toISOString().slice(0, 10));
  return days;
}

function applicationCharts(sdkAppId: string, rows: CompletenessRow[], days: string[]): Html {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const values = (pick: (row: CompletenessRow) => number | null, fallback: number | null = 0) => days.map((day) => (byDay.has(day) ? pick(byDay.get(day)!) : fallback));
  return html`<section class="app-report" data-sdk-app-id="${sdkAppId}"><h2>Application ${sdkAppId}</h2>
    ${stackedBarChart({
      title: "Calls per day: how they reached us",
      unit: "",
      days,
      series: [
        { name: "pushed", color: "#2f6fdf", values: values((row) => row.callsPushed) },
        { name: "found only by reconciliation", color: "#e0892b", values: values((row) => row.callsReconciledOnly) },
      ],
    })}
    ${stackedBarChart({
      title: "Tracks per day, by mirror state",
      unit: "",
      days,
      series: [
        { name: "mirrored", color: "#2e9b4f", values: values((row) => row.tracksMirrored) },
        { name: "pending", color: "#9aa3b5", values: values((row) => row.tracksPending) },
        { name: "failed", color: "#c62f2f", values: values((row) => row.tracksFailed) },
        { name: "skipped", color: "#d9c24a", values: values((row) => row.tracksSkipped) },
      ],
    })}
    ${lineChart({
      title: "From the end of a call to its tracks in our storage (p50, p95)",
      unit: "s",
      days,
      series: [
        { name: "p50", color: "#2f6fdf", values: values((row) => row.endToMirroredP50Sec, null) },
        { name: "p95", color: "#c62f2f", values: values((row) => row.endToMirroredP95Sec, null) },
      ],
    })}
    <table><thead><tr><th>Day</th><th>Calls</th><th>Pushed</th><th>Reconciled only</th><th>Missing tracks</th><th>Tracks</th><th>Mirrored</th><th>Pending</th><th>Failed</th><th>Skipped</th><th>Push→stored p50 / p95</th><th>End→mirrored p50 / p95</th></tr></thead>
    <tbody>${rows.map(
      (row) => html`<tr data-day="${row.day}"><td>${row.day}</td><td>${row.calls}</td><td>${row.callsPushed}</td><td>${row.callsReconciledOnly}</td><td>${row.callsMissingTracks}</td>
        <td>${row.tracks}</td><td>${row.tracksMirrored}</td><td>${row.tracksPending}</td><td class="${row.tracksFailed > 0 ? "status-failed" : ""}">${row.tracksFailed}</td><td>${row.tracksSkipped}</td>
        <td>${row.pushToStoredP50Sec ?? "-"} / ${row.pushToStoredP95Sec ?? "-"} s</td><td>${row.endToMirroredP50Sec ?? "-"} / ${row.endToMirroredP95Sec ?? "-"} s</td></tr>`,
    )}</tbody></table></section>`;
}

const PAGE_STYLE = html`<style>
  figure.chart { margin: 8px 0 16px; } figure.chart figcaption { font-weight: 600; color: #4a5366; margin-bottom: 4px; }
  .legend span { margin-right: 16px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
  pre { background: #f6f7f9; padding: 8px; overflow-x: auto; font-size: 12px; max-height: 400px; }
</style>`;

function page(title: string, body: Html): Html {
  return layout(
    `TCCC receiver admin: ${title}`,
    html`<header><strong>TCCC push receiver — ${title}</strong><nav><a href="/admin">Admin</a><a href="/admin/ui/report">Completeness</a><a href="/admin/ui/calls">Calls</a></nav></header>
    <main>${PAGE_STYLE}${body}</main>`,
  );
}

function reportPage(range: { from: string; to: string }, rows: CompletenessRow[]): Html {
  const days = daysBetween(range.from, range.to);
  const apps = [...new Set(rows.map((row) => row.sdkAppId))];
  return page(
    "completeness",
    html`<section><form method="get" action="/admin/ui/report">
      <label>From <input type="date" name="from" value="${range.from}" required></label>
      <label>To <input type="date" name="to" value="${range.to}" required></label> (local days)
      <button type="submit">Show</button></form></section>
    ${apps.length === 0 ? html`<section><p class="empty">No calls in that range.</p></section>` : apps.map((app) => applicationCharts(app, rows.filter((row) => row.sdkAppId === app), days))}`,
  );
}

function searchPage(term: string | undefined, calls: CallMatch[]): Html {
  return page(
    "calls",
    html`<section><h2>Find a call</h2><form method="get" action="/admin/ui/calls">
      <label>Session id, caller or callee <input name="q" value="${term ?? ""}" size="48" required></label> <button type="submit">Search</button></form>
      ${
        term === undefined
          ? ""
          : calls.length === 0
            ? html`<p class="empty">No call matches ${term}.</p>`
            : html`<table><thead><tr><th>Started</th><th>App</th><th>Session</th><th>Direction</th><th>Caller</th><th>Callee</th><th>End status</th><th>Agent</th></tr></thead><tbody>
          ${calls.map((call) => html`<tr data-session-id="${call.sessionId}"><td>${call.startAt ?? ""}</td><td>${call.sdkAppId}</td><td><a href="/admin/ui/calls/${encodeURIComponent(call.sessionId)}"><code>${call.sessionId}</code></a></td><td>${call.direction ?? ""}</td><td>${call.caller ?? ""}</td><td>${call.callee ?? ""}</td><td>${call.endStatus ?? ""}</td><td>${call.agentMail ?? ""}</td></tr>`)}
          </tbody></table>`
      }</section>`,
  );
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

function storySection(story: CallStory): Html {
  const facts = story.facts;
  return html`<section class="call-story" data-sdk-app-id="${story.sdkAppId}"><h2>Application ${story.sdkAppId}</h2>
    ${facts ? html`<p>${String(facts.direction_name ?? "")} ${String(facts.caller ?? "?")} → ${String(facts.callee ?? "?")}: ${facts.answered ? `answered, ${String(facts.talk_sec)} s of talk` : "not answered"}, end status ${String(facts.end_status ?? "-")}, first told by ${String(facts.source)}.</p>` : html`<p class="empty">No CDR yet: only what is below.</p>`}
    <h3>Timeline</h3><table class="timeline"><thead><tr><th>When</th><th>Source</th><th>What</th></tr></thead><tbody>
    ${story.timeline.map((event) => html`<tr data-source="${event.source}"><td>${event.at}</td><td>${event.source}</td><td>${event.what}</td></tr>`)}</tbody></table>
    <h3>Tracks (${story.tracks.length})</h3><table class="tracks"><thead><tr><th>Id</th><th>Kind</th><th>Record id</th><th>Party</th><th>Mirror</th><th>Stored object</th><th>Error</th></tr></thead><tbody>
    ${story.tracks.map((track) => {
      const stored = story.storedObjects[String(track.id)];
      return html`<tr data-recording-id="${String(track.id)}"><td>${String(track.id)}</td><td>${String(track.kind)}</td><td><code>${String(track.record_id ?? "")}</code></td><td>${String(track.endpoint_user ?? "")}</td>
        <td class="status-${String(track.mirror_status)}">${String(track.mirror_status)}</td>
        <td>${stored ? html`<a href="/admin/ui/recordings/${String(track.id)}/object">${stored}</a>` : ""}</td><td class="error">${String(track.mirror_error ?? "")}</td></tr>`;
    })}</tbody></table>
    <h3>Pushes (${story.pushes.length})</h3>
    ${story.pushes.map((push) => html`<details class="push" data-push-uuid="${String(push.push_uuid)}"><summary>${String(push.action)} <code>${String(push.push_uuid)}</code>: <span class="status-${String(push.status)}">${String(push.status)}</span>, ${String(push.duplicate_count)} duplicates, ${String(push.replay_count)} replays${push.error ? `: ${String(push.error)}` : ""}</summary><pre>${json(push.body)}</pre></details>`)}
    <h3>DescribeTelCdr record (${story.apiRecords.length})</h3>
    ${story.apiRecords.map((record) => html`<details class="api-record"><summary>${String(record.status)}, last listed ${String(record.last_seen_at)}${record.error ? `: ${String(record.error)}` : ""}</summary><pre>${json(record.body)}</pre></details>`)}
    <h3>Legs (${story.legs.length})</h3><pre>${json(story.legs)}</pre>
    <details><summary>Session (call_sessions) and its figures (call_facts)</summary><pre>${json({ session: story.session, facts: story.facts })}</pre></details></section>`;
}

/** The admin's pages of the report and of one call, under the admin's sign-in. */
export function analyticsPageRouter(access: AdminAccess | undefined, analytics: AnalyticsService): Router {
  const router = Router();
  const requireAdmin = adminPageGuard(access);

  router.get("/admin/ui/report", requireAdmin, async (req, res) => {
    const today = await analytics.localToday();
    const start = new Date(`${today}T00:00:00Z`);
    start.setUTCDate(start.getUTCDate() - (REPORT_DAYS - 1));
    const range = validate(reportQuery, { from: start.toISOString().slice(0, 10), to: today, ...req.query }, "query");
    res.type("html").send(reportPage(range, await analytics.report(range)).text);
  });

  router.get("/admin/ui/calls", requireAdmin, async (req, res) => {
    if (req.query.q === undefined) return res.type("html").send(searchPage(undefined, []).text);
    const { q, limit } = validate(searchQuery, req.query, "query");
    const calls = await analytics.searchCalls(q, limit);
    // one match: straight to its page, as support wants
    if (calls.length === 1) return res.redirect(303, `/admin/ui/calls/${encodeURIComponent(calls[0]!.sessionId)}`);
    return res.type("html").send(searchPage(q, calls).text);
  });

  router.get("/admin/ui/calls/:sessionId", requireAdmin, async (req, res) => {
    const { sessionId } = validate(sessionParams, req.params, "path");
    const stories = await analytics.callStory(sessionId);
    res.type("html").send(page(`call ${sessionId}`, html`${stories.map(storySection)}`).text);
  });

  router.get("/admin/ui/recordings/:id/object", requireAdmin, async (req, res) => {
    const { id } = validate(z.object({ id: z.string().regex(/^\d{1,19}$/, "must be a recording id").transform(BigInt) }), req.params, "path");
    const object = await analytics.openStoredObject(id);
    res.set({ "Content-Length": String(object.sizeBytes), "Content-Disposition": `attachment; filename="${object.key.split("/").pop()!.replace(/"/g, "")}"` }).type("application/octet-stream");
    object.body.on("error", () => res.destroy());
    object.body.pipe(res);
  });

  return router;
}
