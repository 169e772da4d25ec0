import { randomUUID } from "node:crypto";
import type { TelCdrInfo } from "tencentcloud-sdk-nodejs/tencentcloud/services/ccc/v20200210/ccc_models";
import type { PushAction } from "../../src/tccc/payloads";
import type { PushRequest } from "./load";

/**
 * The pushes of one realistic call, as TCCC sends them (/work/shared/reference/tccc-data-push.md): a CDR with one
 * agent leg, then one record push per track. The bodies are templates: every {{NAME}} takes a fresh uuid per call.
 * Both load generators fill the same templates, the Node one for the paced phase (makeCallPushes) and wrk's Lua
 * script for the saturated one (from templatesFile), so both phases send the same bytes.
 */
export interface PushTemplate {
  action: PushAction;
  body: string;
}

const PLACEHOLDERS = ["SESSION_ID", "CUSTOMER_TRACK", "AGENT_TRACK"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
const slot = (name: Placeholder) => `{{${name}}}`;

const SDK_APP_ID = 1400482256;

export function callPushTemplates(now = Math.floor(Date.now() / 1000)): PushTemplate[] {
  const cdr = {
    SdkAppId: SDK_APP_ID,
    SessionId: slot("SESSION_ID"),
    Caller: "008613800000000",
    Callee: "008618412347605",
    Direction: 0,
    Duration: 95,
    SeatUser: { Mail: "agent@example.com", Name: "Agent", UserId: "agent@example.com", StaffNumber: "8546", SkillGroupNameList: ["Support"] },
    StartTimestamp: now - 120,
    RingTimestamp: now - 110,
    AcceptTimestamp: now - 100,
    EndedTimestamp: now - 5,
    QueuedTimestamp: now - 115,
    IVRKeyPressed: ["1"],
    IVRKeyPressedEx: [{ Key: "1", Label: "Support" }],
    HungUpSide: "user",
    EndStatusString: "ok",
    QueuedSkillGroupId: 2734,
    QueuedSkillGroupName: "Support",
    RecordId: slot("CUSTOMER_TRACK"),
    Uui: "crm-1",
    IVRDuration: 5,
    TelLocation: { TelNumber: "008613800000000", Country: "China", Province: "Guangdong", City: "Shenzhen", Operator: "Mobile" },
    ServeParticipants: [
      {
        Mail: "agent@example.com",
        Type: "staffSeat",
        Sequence: 0,
        StartTimestamp: now - 110,
        RingTimestamp: now - 110,
        AcceptTimestamp: now - 100,
        EndedTimestamp: now - 5,
        RecordId: slot("AGENT_TRACK"),
        SkillGroupId: 2734,
        SkillGroupName: "Support",
        EndStatusString: "ok",
      },
    ],
  } satisfies TelCdrInfo & { SdkAppId: number; TelLocation: Record<string, string> };
  const record = (track: Placeholder, endpointUser: string) => ({
    SdkAppId: SDK_APP_ID,
    SessionId: slot("SESSION_ID"),
    RecordId: slot(track),
    Timestamp: now - 100,
    EndpointUser: endpointUser,
    RecordURL: `https://recorder-1.cos.ap-guangzhou.myqcloud.com/${slot("SESSION_ID")}/${slot(track)}.mp3`,
  });
  return [
    { action: "cdr", body: JSON.stringify(cdr) },
    { action: "record", body: JSON.stringify(record("CUSTOMER_TRACK", "008613800000000")) },
    { action: "record", body: JSON.stringify(record("AGENT_TRACK", "agent@example.com")) },
  ];
}

export const pushPath = (action: PushAction) => `/tccc/push?action=${action}&version=1`;

/** `count` pushes of consecutive calls, fresh ids per call and a fresh X-TCCC-PUSH-UUID per push. */
export function makeCallPushes(count: number, headers: Record<string, string>): PushRequest[] {
  const templates = callPushTemplates();
  const pushes: PushRequest[] = [];
  let ids: Record<string, string> = {};
  for (let index = 0; index < count; index++) {
    const template = templates[index % templates.length] as PushTemplate;
    if (index % templates.length === 0) ids = Object.fromEntries(PLACEHOLDERS.map((name) => [name, randomUUID()]));
    pushes.push({
      path: pushPath(template.action),
      headers: { ...headers, "x-tccc-push-uuid": randomUUID() },
      body: template.body.replace(/\{\{(\w+)\}\}/g, (_, name: string) => ids[name] as string),
    });
  }
  return pushes;
}

/** The templates as wrk-pushes.lua reads them: one `path<TAB>body` per line (JSON text holds no raw tab or newline). */
export function templatesFile(templates: PushTemplate[]): string {
  return templates.map((template) => `${pushPath(template.action)}\t${template.body}\n`).join("");
}
