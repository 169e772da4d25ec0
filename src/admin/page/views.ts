import type { PushView } from "../push-admin-service";
import type { ReconcileRunView } from "../reconcile-admin-service";
import type { FailedRecordingView } from "../recording-admin-service";
import { Html, html } from "./html";

export interface DashboardData {
  failedPushes: PushView[];
  failedRecordings: FailedRecordingView[];
  runs: ReconcileRunView[];
  reconciliationEnabled: boolean;
  queueDepths: Record<string, Record<string, number>>;
  notice?: string;
}

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 12px 24px; display: flex; justify-content: space-between; align-items: center; }
  header a { color: #cfd8ff; margin-left: 16px; }
  main { padding: 16px 24px; max-width: 1400px; }
  section { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
  h2 { font-size: 16px; margin: 4px 0 12px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eceff3; vertical-align: top; }
  th { font-weight: 600; color: #4a5366; }
  td.error { color: #a01c1c; min-width: 260px; max-width: 520px; word-break: break-word; }
  td code { word-break: break-all; }
  code { font-size: 12px; }
  .notice { background: #e8f4ea; border: 1px solid #b5dbbd; padding: 8px 12px; border-radius: 6px; margin-bottom: 16px; }
  .status-failed { color: #a01c1c; font-weight: 600; } .status-succeeded, .status-processed { color: #1f7a35; }
  .empty { color: #6b7385; }
  button { cursor: pointer; }
  form.inline { display: inline; }
  details summary { cursor: pointer; }
`;

export function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width, initial-scale=1">
<style>${new Html(STYLE)}</style></head>
<body>${body}</body></html>`;
}

export function loginPage(error?: string): Html {
  return layout(
    "TCCC receiver admin: sign in",
    html`<main><section><h2>Sign in</h2>
      ${error ? html`<p class="status-failed" role="alert">${error}</p>` : ""}
      <form method="post" action="/admin/login">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
        <button type="submit">Sign in</button>
      </form></section></main>`,
  );
}

/** What the admin error handler shows a browser: the same words as the API's problem details, and a way back. */
export function errorPage(title: string, detail: string): Html {
  return layout(
    `TCCC receiver admin: ${title}`,
    html`<main><section><h2>${title}</h2><p class="status-failed" role="alert">${detail}</p>
      <p><a href="/admin">Back to the admin page</a></p></section></main>`,
  );
}

function failedPushesSection(pushes: PushView[]): Html {
  const rows = pushes.map(
    (push) => html`<tr data-push-uuid="${push.pushUuid}">
      <td><code>${push.pushUuid}</code></td><td>${push.action}</td><td>${push.sdkAppId ?? ""}</td><td><code>${push.sessionId ?? ""}</code></td>
      <td class="error">${push.error ?? ""}</td><td>${push.receivedAt}</td><td>${push.replayCount}</td>
      <td><form class="inline" method="post" action="/admin/ui/pushes/${encodeURIComponent(push.pushUuid)}/replay">
        <button type="submit">Replay</button></form></td></tr>`,
  );
  return html`<section id="failed-pushes"><h2>Failed pushes (${pushes.length})</h2>
    ${
      pushes.length === 0
        ? html`<p class="empty">No failed pushes.</p>`
        : html`<form method="post" action="/admin/ui/pushes/replay-failed"><button type="submit">Replay all failed</button></form>
      <table><thead><tr><th>Push UUID</th><th>Action</th><th>App</th><th>Session</th><th>Error</th><th>Received</th><th>Replays</th><th></th></tr></thead>
      <tbody>${rows}</tbody></table>`
    }</section>`;
}

function runsSection(runs: ReconcileRunView[], enabled: boolean): Html {
  const rows = runs.map(
    (run) => html`<tr data-run-id="${run.id}">
      <td>${run.id}</td><td>${run.sdkAppId}</td><td>${run.windowStart} → ${run.windowEnd}</td>
      <td class="status-${run.status}">${run.status}</td><td>${run.fetched}</td><td>${run.created}</td><td>${run.updated}</td><td>${run.unchanged}</td>
      <td class="${run.failedRecords > 0 ? "status-failed" : ""}">${run.failedRecords}</td>
      <td>${
        run.missingCount === 0
          ? ""
          : html`<details><summary>${run.missingCount} missing</summary>${run.missingSessionIds.map((id) => html`<div><code>${id}</code></div>`)}</details>`
      }</td><td class="error">${run.error ?? ""}</td></tr>`,
  );
  return html`<section id="reconcile-runs"><h2>Reconciliation runs</h2>
    ${
      enabled
        ? html`<form method="post" action="/admin/ui/reconcile">
        <label>App <input name="sdkAppId" required size="12"></label>
        <label>From <input name="from" type="datetime-local" required></label>
        <label>To <input name="to" type="datetime-local" required></label> (UTC)
        <button type="submit">Reconcile range</button></form>`
        : html`<p class="empty">Reconciliation is disabled (TCCC_SECRET_ID / TCCC_SECRET_KEY not set).</p>`
    }
    ${
      runs.length === 0
        ? html`<p class="empty">No runs yet.</p>`
        : html`<table><thead><tr><th>Run</th><th>App</th><th>Window</th><th>Status</th><th>Fetched</th><th>Missed</th><th>Updated</th><th>Unchanged</th><th>Unreadable</th><th>Missing sessions</th><th>Error</th></tr></thead>
      <tbody>${rows}</tbody></table>`
    }</section>`;
}

function failedRecordingsSection(recordings: FailedRecordingView[]): Html {
  const rows = recordings.map(
    (recording) => html`<tr data-recording-id="${recording.id}">
      <td>${recording.id}</td><td>${recording.sdkAppId}</td><td><code>${recording.sessionId}</code></td><td>${recording.kind}</td>
      <td><code>${recording.recordId ?? ""}</code></td><td>${recording.recordedAt ?? ""}</td><td>${recording.attempts}</td>
      <td class="error">${recording.error ?? ""}</td>
      <td><form class="inline" method="post" action="/admin/ui/recordings/${recording.id}/mirror"><button type="submit">Retry</button></form></td></tr>`,
  );
  return html`<section id="failed-recordings"><h2>Recordings whose mirror failed (${recordings.length})</h2>
    ${
      recordings.length === 0
        ? html`<p class="empty">No failed mirrors.</p>`
        : html`<table><thead><tr><th>Id</th><th>App</th><th>Session</th><th>Kind</th><th>Record id</th><th>Recorded</th><th>Attempts</th><th>Error</th><th></th></tr></thead>
      <tbody>${rows}</tbody></table>`
    }</section>`;
}

function queuesSection(depths: Record<string, Record<string, number>>): Html {
  const names = Object.keys(depths).sort();
  return html`<section id="queues"><h2>Queues</h2>
    <table><thead><tr><th>Queue</th><th>Waiting</th><th>Active</th><th>Delayed</th><th>Failed</th></tr></thead><tbody>
    ${names.map((name) => {
      const counts = depths[name] ?? {};
      return html`<tr><td>${name}</td><td>${(counts.waiting ?? 0) + (counts.prioritized ?? 0)}</td><td>${counts.active ?? 0}</td><td>${counts.delayed ?? 0}</td><td>${counts.failed ?? 0}</td></tr>`;
    })}</tbody></table><p><a href="/admin/queues">Open the queue board</a></p></section>`;
}

export function dashboardPage(data: DashboardData): Html {
  return layout(
    "TCCC receiver admin",
    html`<header><strong>TCCC push receiver — admin</strong><nav><a href="/admin">Refresh</a><a href="/admin/ui/report">Completeness</a><a href="/admin/ui/calls">Calls</a><a href="/admin/queues">Queues</a>
      <form class="inline" method="post" action="/admin/logout"><button type="submit">Sign out</button></form></nav></header>
    <main>${data.notice ? html`<p class="notice" role="status">${data.notice}</p>` : ""}
    ${failedPushesSection(data.failedPushes)}${failedRecordingsSection(data.failedRecordings)}${runsSection(data.runs, data.reconciliationEnabled)}${queuesSection(data.queueDepths)}</main>`,
  );
}
