-- Views for analysts: the common questions as plain SQL over the contract tables (docs/data-dictionary.md).
-- Hand-written: Prisma does not model these views and its diff ignores them, so the drift check is unaffected.
-- CREATE OR REPLACE keeps a later migration free to add columns at the end of a view without dropping it first.
-- No semicolon may appear but at the end of a statement: @prisma/adapter-pg runs migration scripts split on every one.
-- Every "day" is a calendar day in UTC, and analysts wanting local days group call_facts themselves (see the dictionary).

-- One row per call (TCCC session), with the figures every report needs derived once, the same way for everyone.
CREATE OR REPLACE VIEW "call_facts" AS
SELECT
    s."sdk_app_id",
    s."session_id",
    s."direction",
    CASE s."direction" WHEN 0 THEN 'inbound' WHEN 1 THEN 'outbound' END AS "direction_name",
    s."caller",
    s."callee",
    s."start_at",
    (s."start_at" AT TIME ZONE 'UTC')::date AS "start_date_utc",
    s."queued_at",
    s."ring_at",
    s."accept_at",
    s."ended_at",
    (s."accept_at" IS NOT NULL) AS "answered",
    -- reached a queue and nobody answered: the caller gave up, or the queue timed out
    (s."queued_at" IS NOT NULL AND s."accept_at" IS NULL) AS "abandoned",
    -- from joining the queue to the answer or, unanswered, to the end of the call
    CASE WHEN s."queued_at" IS NOT NULL
         THEN GREATEST(0, EXTRACT(EPOCH FROM COALESCE(s."accept_at", s."ended_at") - s."queued_at"))::integer
    END AS "queue_wait_sec",
    -- answered calls only, with the Duration TCCC reports (ended minus accept) when the timestamps are incomplete
    CASE WHEN s."accept_at" IS NOT NULL
         THEN COALESCE(GREATEST(0, EXTRACT(EPOCH FROM s."ended_at" - s."accept_at"))::integer, s."duration_sec")
    END AS "talk_sec",
    s."ivr_duration_sec" AS "ivr_sec",
    s."seat_user_id" AS "agent_user_id",
    s."seat_user_name" AS "agent_name",
    s."seat_staff_number" AS "agent_staff_number",
    s."queued_skill_group_id" AS "skill_group_id",
    s."queued_skill_group_name" AS "skill_group_name",
    s."end_status",
    s."hung_up_side",
    COALESCE(legs."legs", 0) AS "legs",
    COALESCE(legs."transfers", 0) AS "transfers",
    COALESCE(media."recordings", 0) AS "recordings",
    COALESCE(media."voicemails", 0) AS "voicemails",
    COALESCE(media."mirrored", 0) AS "recordings_mirrored",
    s."uui",
    s."source"
FROM "call_sessions" s
-- lateral subqueries use the (sdk_app_id, session_id) indexes per call, so a filter on call_sessions stays cheap
LEFT JOIN LATERAL (
    SELECT count(*)::integer AS "legs",
           (count(*) FILTER (WHERE p."transfer_from" IS NOT NULL))::integer AS "transfers"
    FROM "call_participants" p
    WHERE p."sdk_app_id" = s."sdk_app_id" AND p."session_id" = s."session_id"
) legs ON true
LEFT JOIN LATERAL (
    SELECT (count(*) FILTER (WHERE r."kind" = 'call'))::integer AS "recordings",
           (count(*) FILTER (WHERE r."kind" = 'voicemail'))::integer AS "voicemails",
           (count(*) FILTER (WHERE r."mirror_status" = 'mirrored'))::integer AS "mirrored"
    FROM "recordings" r
    WHERE r."sdk_app_id" = s."sdk_app_id" AND r."session_id" = s."session_id"
) media ON true;

-- Per application, UTC day of the start of the call and queued skill group (NULL: calls that never queued).
CREATE OR REPLACE VIEW "daily_skill_group_totals" AS
SELECT
    f."sdk_app_id",
    f."start_date_utc" AS "day",
    f."skill_group_id",
    -- a group may be renamed: the name on the latest call of the day
    (array_agg(f."skill_group_name" ORDER BY f."start_at" DESC) FILTER (WHERE f."skill_group_name" IS NOT NULL))[1] AS "skill_group_name",
    count(*)::integer AS "calls",
    (count(*) FILTER (WHERE f."answered"))::integer AS "answered",
    (count(*) FILTER (WHERE f."abandoned"))::integer AS "abandoned",
    round((count(*) FILTER (WHERE f."answered"))::numeric / count(*), 4) AS "answer_rate",
    round(avg(f."queue_wait_sec"), 1) AS "avg_queue_wait_sec",
    round((percentile_cont(0.9) WITHIN GROUP (ORDER BY f."queue_wait_sec"))::numeric, 1) AS "p90_queue_wait_sec",
    round(avg(f."talk_sec"), 1) AS "avg_talk_sec",
    COALESCE(sum(f."talk_sec"), 0)::bigint AS "total_talk_sec"
FROM "call_facts" f
WHERE f."start_at" IS NOT NULL
GROUP BY f."sdk_app_id", f."start_date_utc", f."skill_group_id";

-- Per application, UTC day of the start of the call and agent, from the legs agents served: a transferred call counts for
-- every agent who served part of it, which the last agent of the call (call_sessions.seat_user_id) alone would hide.
CREATE OR REPLACE VIEW "agent_daily_totals" AS
SELECT
    p."sdk_app_id",
    (s."start_at" AT TIME ZONE 'UTC')::date AS "day",
    p."mail" AS "agent_mail",
    count(*)::integer AS "legs_offered",
    (count(*) FILTER (WHERE p."accept_at" IS NOT NULL))::integer AS "legs_answered",
    (count(*) FILTER (WHERE p."transfer_to" IS NOT NULL))::integer AS "transfers_out",
    COALESCE(sum(GREATEST(0, EXTRACT(EPOCH FROM p."ended_at" - p."accept_at"))), 0)::bigint AS "total_talk_sec",
    round(avg(GREATEST(0, EXTRACT(EPOCH FROM p."ended_at" - p."accept_at"))), 1) AS "avg_talk_sec"
FROM "call_participants" p
JOIN "call_sessions" s ON s."sdk_app_id" = p."sdk_app_id" AND s."session_id" = p."session_id"
WHERE p."mail" IS NOT NULL AND s."start_at" IS NOT NULL
GROUP BY p."sdk_app_id", (s."start_at" AT TIME ZONE 'UTC')::date, p."mail";
