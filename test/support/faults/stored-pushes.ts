import type { Client } from "pg";
import type { PushOutcome } from "./push-load";

export interface StoredCheck {
  /** Acknowledged pushes without a processed push_inbox row holding exactly the bytes sent. */
  missingInInbox: string[];
  /** Acknowledged pushes whose session (cdr) or track (record) is not in the normalized tables. */
  notNormalized: string[];
}

/**
 * The promise to TCCC, checked in the database: every push answered ErrCode 0 is in push_inbox, processed, with the
 * body it was sent with, and its rows are in call_sessions or recordings.
 */
export async function checkStored(db: Client, acknowledged: PushOutcome[]): Promise<StoredCheck> {
  const pushes = acknowledged.map((outcome) => outcome.push);
  if (pushes.some((push) => push.action === "voicemail")) throw new Error("checkStored knows cdr and record pushes only");
  const { rows: inbox } = await db.query<{ push_uuid: string; same_body: boolean }>(
    `SELECT i.push_uuid, i.body = sent.body::jsonb AS same_body
       FROM push_inbox i JOIN unnest($1::text[], $2::text[]) AS sent(push_uuid, body) USING (push_uuid)
      WHERE i.status = 'processed'`,
    [pushes.map((push) => push.pushUuid), pushes.map((push) => push.body)],
  );
  const stored = new Set(inbox.filter((row) => row.same_body).map((row) => row.push_uuid));

  const keyOf = (push: (typeof pushes)[number]) => {
    const body = JSON.parse(push.body) as { SdkAppId: number; SessionId: string; RecordId?: string };
    return { sdkAppId: String(body.SdkAppId), sessionId: body.SessionId, recordId: push.action === "cdr" ? "" : (body.RecordId ?? "") };
  };
  const keys = pushes.map(keyOf);
  const { rows: found } = await db.query<{ found: boolean }>(
    `SELECT CASE WHEN k.record_id = ''
                 THEN EXISTS (SELECT 1 FROM call_sessions s WHERE s.sdk_app_id = k.sdk_app_id AND s.session_id = k.session_id)
                 ELSE EXISTS (SELECT 1 FROM recordings r WHERE r.sdk_app_id = k.sdk_app_id AND r.session_id = k.session_id AND r.record_id = k.record_id)
            END AS found
       FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS k(sdk_app_id, session_id, record_id, n)
      ORDER BY k.n`,
    [keys.map((key) => key.sdkAppId), keys.map((key) => key.sessionId), keys.map((key) => key.recordId)],
  );
  return {
    missingInInbox: pushes.filter((push) => !stored.has(push.pushUuid)).map((push) => push.pushUuid),
    notNormalized: pushes.filter((_push, index) => !found[index]?.found).map((push) => push.pushUuid),
  };
}
