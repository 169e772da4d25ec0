-- CreateTable
CREATE TABLE "analytics_settings" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "time_zone" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analytics_settings_pkey" PRIMARY KEY ("singleton")
);

-- CreateIndex
CREATE INDEX "call_sessions_session_id_idx" ON "call_sessions"("session_id");

-- CreateIndex
CREATE INDEX "recordings_session_id_idx" ON "recordings"("session_id");

-- Hand-written from here on: Prisma does not model CHECK constraints, functions or views, and its diff ignores them.
-- No semicolon may appear but at the end of a statement: @prisma/adapter-pg runs migration scripts split on every one.
-- Definitions are in docs/data-dictionary.md, and test/analysts/ checks them on crafted calls.

-- One row: the service writes ANALYTICS_TIME_ZONE here at start-up (src/analytics/analytics-settings.ts).
ALTER TABLE "analytics_settings" ADD CONSTRAINT "analytics_settings_one_row" CHECK ("singleton");
INSERT INTO "analytics_settings" ("singleton", "time_zone") VALUES (true, 'Asia/Shanghai');

-- The zone of every "day" in the views: changing the row changes the views, no migration needed.
CREATE FUNCTION "analytics_time_zone"() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT "time_zone" FROM "analytics_settings" WHERE "singleton" $$;

-- The entries of a key-press list as TCCC sent it (IVRKeyPressedEx, PostIVRKeyPressedEx: {Key, Label, Timestamp in
-- milliseconds, ...} objects, or for the deprecated IVRKeyPressed: plain strings), one row each, in the order sent.
CREATE FUNCTION "key_press_entries"("list" jsonb)
RETURNS TABLE ("position" integer, "key" text, "label" text, "pressed_at" timestamptz, "node_label" text, "original_content" text, "tts_prompt" text)
LANGUAGE sql IMMUTABLE AS $$
SELECT e."position"::integer,
       NULLIF(CASE jsonb_typeof(e."value") WHEN 'object' THEN e."value" ->> 'Key' WHEN 'string' THEN e."value" #>> '{}' WHEN 'number' THEN e."value" #>> '{}' END, ''),
       NULLIF(e."value" ->> 'Label', ''),
       CASE WHEN (e."value" ->> 'Timestamp') ~ '^[0-9]{1,15}$' AND (e."value" ->> 'Timestamp')::bigint > 0
            THEN to_timestamp((e."value" ->> 'Timestamp')::bigint / 1000.0) END,
       NULLIF(e."value" ->> 'NodeLabel', ''),
       NULLIF(e."value" ->> 'OriginalContent', ''),
       NULLIF(e."value" ->> 'TTSPrompt', '')
FROM jsonb_array_elements(CASE WHEN jsonb_typeof("list") = 'array' THEN "list" ELSE '[]'::jsonb END) WITH ORDINALITY AS e("value", "position")
$$;

-- Rebuilt rather than replaced: columns are added in the middle and the daily views change their grouping.
DROP VIEW "agent_daily_totals";
DROP VIEW "daily_skill_group_totals";
DROP VIEW "call_facts";

-- One row per call. Every figure is defined here once, and the other views build on it (and on leg_facts).
-- The lateral subqueries use the (sdk_app_id, session_id) indexes per call and are left out of the plan by PostgreSQL
-- when a query does not use their columns, so the daily views do not pay for them.
CREATE VIEW "call_facts" AS
SELECT
    s."sdk_app_id",
    s."session_id",
    s."direction",
    CASE s."direction" WHEN 0 THEN 'inbound' WHEN 1 THEN 'outbound' END AS "direction_name",
    s."call_type",
    s."caller",
    s."callee",
    s."caller_location",
    s."tel_country",
    s."tel_province",
    s."tel_city",
    s."tel_operator",
    s."start_at",
    -- a subquery, so the zone is read once per query (an InitPlan), not once per row
    (s."start_at" AT TIME ZONE (SELECT "analytics_time_zone"()))::date AS "start_date",
    (s."start_at" AT TIME ZONE 'UTC')::date AS "start_date_utc",
    s."queued_at",
    s."ring_at",
    s."accept_at",
    s."ended_at",
    m."answered",
    m."queued",
    (m."queued" AND NOT m."answered") AS "abandoned",
    CASE WHEN m."queued" AND NOT m."answered" THEN
        CASE WHEN s."end_status" = 'waitingGiveUp' OR s."end_status_code" = 103 THEN 'waiting'
             WHEN s."end_status" = 'ringingGiveUp' OR s."end_status_code" = 104 THEN 'ringing'
             WHEN s."end_status" = 'noSeatOnline' OR s."end_status_code" = 105 THEN 'no_agent_online'
             ELSE 'queue_timeout' END
    END AS "abandon_reason",
    CASE WHEN s."queued_at" IS NOT NULL AND COALESCE(s."accept_at", s."ended_at") IS NOT NULL
         THEN GREATEST(0, EXTRACT(EPOCH FROM COALESCE(s."accept_at", s."ended_at") - s."queued_at"))::integer
    END AS "queue_wait_sec",
    CASE WHEN s."ring_at" IS NOT NULL AND COALESCE(s."accept_at", s."ended_at") IS NOT NULL
         THEN GREATEST(0, EXTRACT(EPOCH FROM COALESCE(s."accept_at", s."ended_at") - s."ring_at"))::integer
    END AS "ring_sec",
    CASE WHEN m."answered" THEN
        COALESCE(
            CASE WHEN s."accept_at" IS NOT NULL AND s."ended_at" IS NOT NULL
                 THEN GREATEST(0, EXTRACT(EPOCH FROM s."ended_at" - s."accept_at"))::integer END,
            s."duration_sec")
    END AS "talk_sec",
    s."ivr_duration_sec" AS "ivr_sec",
    s."seat_user_id" AS "agent_user_id",
    s."seat_user_name" AS "agent_name",
    s."seat_user_mail" AS "agent_mail",
    s."seat_staff_number" AS "agent_staff_number",
    s."queued_skill_group_id" AS "skill_group_id",
    s."queued_skill_group_name" AS "skill_group_name",
    s."end_status",
    s."end_status_code",
    s."hung_up_side",
    COALESCE(legs."legs", 0) AS "legs",
    COALESCE(legs."transfers", 0) AS "transfers",
    COALESCE(media."recordings", 0) AS "recordings",
    COALESCE(media."recordings_mirrored", 0) AS "recordings_mirrored",
    COALESCE(media."voicemails", 0) AS "voicemails",
    COALESCE(media."voicemails_mirrored", 0) AS "voicemails_mirrored",
    COALESCE(expected."missing_tracks", 0) AS "missing_tracks",
    EXISTS (
        SELECT 1 FROM "push_inbox" i
        WHERE i."sdk_app_id" = s."sdk_app_id" AND i."session_id" = s."session_id" AND i."action" = 'cdr' AND i."status" = 'processed'
    ) AS "cdr_pushed",
    s."uui",
    s."source"
FROM "call_sessions" s
CROSS JOIN LATERAL (
    SELECT (s."accept_at" IS NOT NULL OR COALESCE(s."duration_sec", 0) > 0) AS "answered",
           -- outbound CDRs carry a QueuedSkillGroupId too (the agent's group, by the vendor's rule): only inbound calls queue
           (s."direction" = 0 AND (s."queued_at" IS NOT NULL OR s."queued_skill_group_id" IS NOT NULL)) AS "queued"
) m
LEFT JOIN LATERAL (
    SELECT count(*)::integer AS "legs",
           (count(*) FILTER (WHERE p."transfer_from" IS NOT NULL))::integer AS "transfers"
    FROM "call_participants" p
    WHERE p."sdk_app_id" = s."sdk_app_id" AND p."session_id" = s."session_id"
) legs ON true
LEFT JOIN LATERAL (
    SELECT (count(*) FILTER (WHERE r."kind" = 'call'))::integer AS "recordings",
           (count(*) FILTER (WHERE r."kind" = 'call' AND r."mirror_status" = 'mirrored'))::integer AS "recordings_mirrored",
           (count(*) FILTER (WHERE r."kind" = 'voicemail'))::integer AS "voicemails",
           (count(*) FILTER (WHERE r."kind" = 'voicemail' AND r."mirror_status" = 'mirrored'))::integer AS "voicemails_mirrored"
    FROM "recordings" r
    WHERE r."sdk_app_id" = s."sdk_app_id" AND r."session_id" = s."session_id"
) media ON true
-- tracks the CDR names for what was answered (the customer's RecordId, each answered leg's) that no recordings row has
LEFT JOIN LATERAL (
    SELECT count(*)::integer AS "missing_tracks"
    FROM (
        SELECT s."record_id" WHERE m."answered"
        UNION
        SELECT p."record_id" FROM "call_participants" p
        WHERE p."sdk_app_id" = s."sdk_app_id" AND p."session_id" = s."session_id" AND p."accept_at" IS NOT NULL
    ) e("record_id")
    WHERE e."record_id" IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM "recordings" r
        WHERE r."sdk_app_id" = s."sdk_app_id" AND r."session_id" = s."session_id" AND r."kind" = 'call' AND r."track_key" = e."record_id"
    )
) expected ON true;

-- One row per agent leg (call_participants), with the figures of the call it belongs to.
CREATE VIEW "leg_facts" AS
SELECT
    p."sdk_app_id",
    p."session_id",
    p."sequence",
    f."direction",
    f."start_date",
    p."mail" AS "agent_mail",
    p."phone" AS "agent_phone",
    p."type",
    p."skill_group_id",
    p."skill_group_name",
    p."start_at",
    p."ring_at",
    p."accept_at",
    p."ended_at",
    a."answered",
    CASE WHEN p."ring_at" IS NOT NULL AND COALESCE(p."accept_at", p."ended_at") IS NOT NULL
         THEN GREATEST(0, EXTRACT(EPOCH FROM COALESCE(p."accept_at", p."ended_at") - p."ring_at"))::integer
    END AS "ring_sec",
    -- an outbound agent is on the line before the customer answers: talk starts when both are
    CASE WHEN a."answered" AND p."ended_at" IS NOT NULL
         THEN GREATEST(0, EXTRACT(EPOCH FROM p."ended_at" - CASE WHEN f."direction" = 1 THEN GREATEST(p."accept_at", f."accept_at") ELSE p."accept_at" END))::integer
    END AS "talk_sec",
    p."end_status",
    p."transfer_from",
    p."transfer_from_type",
    p."transfer_to",
    p."transfer_to_type",
    p."record_id"
FROM "call_participants" p
JOIN "call_facts" f ON f."sdk_app_id" = p."sdk_app_id" AND f."session_id" = p."session_id"
-- an outbound leg counts as answered only when the customer answered the call
CROSS JOIN LATERAL (SELECT (p."accept_at" IS NOT NULL AND (f."direction" IS DISTINCT FROM 1 OR f."answered")) AS "answered") a;

-- Per application, local day of the start of the call, direction and skill group.
CREATE VIEW "daily_skill_group_totals" AS
SELECT
    f."sdk_app_id",
    f."start_date" AS "day",
    f."direction",
    f."direction_name",
    f."skill_group_id",
    -- a group may be renamed: the name on the latest call of the day
    (array_agg(f."skill_group_name" ORDER BY f."start_at" DESC) FILTER (WHERE f."skill_group_name" IS NOT NULL))[1] AS "skill_group_name",
    count(*)::integer AS "calls",
    (count(*) FILTER (WHERE f."answered"))::integer AS "answered",
    round((count(*) FILTER (WHERE f."answered"))::numeric / count(*), 4) AS "answer_rate",
    (count(*) FILTER (WHERE f."queued"))::integer AS "queued",
    (count(*) FILTER (WHERE f."abandoned"))::integer AS "abandoned",
    (count(*) FILTER (WHERE f."abandon_reason" = 'waiting'))::integer AS "abandoned_waiting",
    (count(*) FILTER (WHERE f."abandon_reason" = 'ringing'))::integer AS "abandoned_ringing",
    (count(*) FILTER (WHERE f."abandon_reason" = 'no_agent_online'))::integer AS "abandoned_no_agent_online",
    (count(*) FILTER (WHERE f."abandon_reason" = 'queue_timeout'))::integer AS "abandoned_queue_timeout",
    round(avg(f."queue_wait_sec"), 1) AS "avg_queue_wait_sec",
    round((percentile_cont(0.9) WITHIN GROUP (ORDER BY f."queue_wait_sec"))::numeric, 1) AS "p90_queue_wait_sec",
    round(avg(f."ring_sec"), 1) AS "avg_ring_sec",
    round(avg(f."talk_sec"), 1) AS "avg_talk_sec",
    COALESCE(sum(f."talk_sec"), 0)::bigint AS "total_talk_sec"
FROM "call_facts" f
WHERE f."start_at" IS NOT NULL
GROUP BY f."sdk_app_id", f."start_date", f."direction", f."direction_name", f."skill_group_id";

-- Per application, local day of the start of the call and agent, from the legs agents served: a transferred call
-- counts for every agent who served part of it.
CREATE VIEW "agent_daily_totals" AS
SELECT
    l."sdk_app_id",
    l."start_date" AS "day",
    l."agent_mail",
    count(*)::integer AS "legs_offered",
    (count(*) FILTER (WHERE l."answered"))::integer AS "legs_answered",
    (count(*) FILTER (WHERE l."transfer_to" IS NOT NULL))::integer AS "transfers_out",
    COALESCE(sum(l."talk_sec"), 0)::bigint AS "total_talk_sec",
    round(avg(l."talk_sec"), 1) AS "avg_talk_sec",
    round(avg(l."ring_sec"), 1) AS "avg_ring_sec"
FROM "leg_facts" l
WHERE l."agent_mail" IS NOT NULL AND l."start_date" IS NOT NULL
GROUP BY l."sdk_app_id", l."start_date", l."agent_mail";

-- One row per key pressed in the IVR (IVRKeyPressedEx, else the deprecated IVRKeyPressed), with its label and time.
CREATE VIEW "ivr_key_presses" AS
SELECT
    f."sdk_app_id",
    f."session_id",
    f."start_date",
    k."position",
    k."key",
    k."label",
    k."pressed_at",
    k."node_label",
    k."original_content",
    k."tts_prompt"
FROM "call_facts" f
JOIN "call_sessions" s ON s."sdk_app_id" = f."sdk_app_id" AND s."session_id" = f."session_id"
CROSS JOIN LATERAL "key_press_entries"(s."ivr_key_pressed") k
WHERE s."ivr_key_pressed" IS NOT NULL;

-- One row per answer of the after-call satisfaction survey (PostIVRKeyPressedEx, else PostIVRKeyPressed), with the
-- agent and group it rates.
CREATE VIEW "survey_responses" AS
SELECT
    f."sdk_app_id",
    f."session_id",
    f."start_date",
    f."direction",
    f."agent_mail",
    f."agent_user_id",
    f."skill_group_id",
    f."skill_group_name",
    k."position",
    k."key",
    k."label",
    (k."key" IS NOT NULL AND k."key" <> 'noInput') AS "responded",
    k."pressed_at"
FROM "call_facts" f
JOIN "call_sessions" s ON s."sdk_app_id" = f."sdk_app_id" AND s."session_id" = f."session_id"
CROSS JOIN LATERAL "key_press_entries"(s."post_ivr_key_pressed") k
WHERE s."post_ivr_key_pressed" IS NOT NULL;

-- One row per transfer: from a leg to the next leg of the call, who transferred to whom. A transfer whose target
-- never got a leg (e.g. to an outside number) has no to_* values.
CREATE VIEW "transfer_chains" AS
SELECT
    t."sdk_app_id",
    t."session_id",
    t."start_date",
    t."from_sequence",
    t."from_agent",
    t."from_type",
    t."transfer_to",
    t."transfer_to_type",
    COALESCE(t."to_start_at", t."from_ended_at") AS "transferred_at",
    t."to_sequence",
    t."to_agent",
    t."to_type",
    t."to_answered"
FROM (
    SELECT l."sdk_app_id", l."session_id", l."start_date",
           l."sequence" AS "from_sequence", COALESCE(l."agent_mail", l."agent_phone") AS "from_agent", l."type" AS "from_type",
           l."transfer_to", l."transfer_to_type", l."ended_at" AS "from_ended_at",
           lead(l."sequence") OVER w AS "to_sequence",
           lead(COALESCE(l."agent_mail", l."agent_phone")) OVER w AS "to_agent",
           lead(l."type") OVER w AS "to_type",
           lead(l."transfer_from") OVER w AS "to_transfer_from",
           lead(l."start_at") OVER w AS "to_start_at",
           lead(l."answered") OVER w AS "to_answered"
    FROM "leg_facts" l
    WINDOW w AS (PARTITION BY l."sdk_app_id", l."session_id" ORDER BY l."sequence")
) t
WHERE t."transfer_to" IS NOT NULL OR t."to_transfer_from" IS NOT NULL;

-- Per application and local day of the calls: did everything arrive? One row per call, per track (voicemails
-- included) and per push of a call, stacked and grouped once: a filter on sdk_app_id and day reaches every part.
CREATE VIEW "daily_completeness" AS
SELECT
    u."sdk_app_id",
    u."day",
    (count(*) FILTER (WHERE u."part" = 'call'))::integer AS "calls",
    (count(*) FILTER (WHERE u."part" = 'call' AND u."cdr_pushed"))::integer AS "calls_pushed",
    (count(*) FILTER (WHERE u."part" = 'call' AND NOT u."cdr_pushed"))::integer AS "calls_reconciled_only",
    (count(*) FILTER (WHERE u."part" = 'call' AND u."missing_tracks" > 0))::integer AS "calls_missing_tracks",
    (count(*) FILTER (WHERE u."part" = 'track'))::integer AS "tracks",
    (count(*) FILTER (WHERE u."mirror_status" = 'mirrored'))::integer AS "tracks_mirrored",
    (count(*) FILTER (WHERE u."mirror_status" = 'pending'))::integer AS "tracks_pending",
    (count(*) FILTER (WHERE u."mirror_status" = 'failed'))::integer AS "tracks_failed",
    (count(*) FILTER (WHERE u."mirror_status" = 'skipped'))::integer AS "tracks_skipped",
    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY u."push_to_stored_sec"))::numeric, 3) AS "push_to_stored_p50_sec",
    round((percentile_cont(0.95) WITHIN GROUP (ORDER BY u."push_to_stored_sec"))::numeric, 3) AS "push_to_stored_p95_sec",
    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY u."end_to_mirrored_sec"))::numeric, 1) AS "end_to_mirrored_p50_sec",
    round((percentile_cont(0.95) WITHIN GROUP (ORDER BY u."end_to_mirrored_sec"))::numeric, 1) AS "end_to_mirrored_p95_sec"
FROM (
    SELECT f."sdk_app_id", f."start_date" AS "day", 'call' AS "part", f."cdr_pushed", f."missing_tracks",
           NULL::text AS "mirror_status", NULL::numeric AS "push_to_stored_sec", NULL::numeric AS "end_to_mirrored_sec"
    FROM "call_facts" f
    UNION ALL
    SELECT f."sdk_app_id", f."start_date", 'track', NULL, NULL,
           r."mirror_status", NULL, EXTRACT(EPOCH FROM r."mirrored_at" - f."ended_at")
    FROM "recordings" r
    JOIN "call_facts" f ON f."sdk_app_id" = r."sdk_app_id" AND f."session_id" = r."session_id"
    UNION ALL
    SELECT f."sdk_app_id", f."start_date", 'push', NULL, NULL,
           NULL, EXTRACT(EPOCH FROM i."processed_at" - i."received_at"), NULL
    FROM "push_inbox" i
    JOIN "call_facts" f ON f."sdk_app_id" = i."sdk_app_id" AND f."session_id" = i."session_id"
) u
WHERE u."day" IS NOT NULL
GROUP BY u."sdk_app_id", u."day";
