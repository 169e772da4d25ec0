-- AlterTable
ALTER TABLE "call_participants" ADD COLUMN     "pushed_fields" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "call_sessions" ADD COLUMN     "ai_agent_id" BIGINT,
ADD COLUMN     "ai_agent_name" TEXT,
ADD COLUMN     "asr_status" TEXT,
ADD COLUMN     "call_type" SMALLINT,
ADD COLUMN     "initiated_at" TIMESTAMPTZ(0),
ADD COLUMN     "pushed_fields" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "seat_extension_number" TEXT,
ADD COLUMN     "seat_skill_group_names" TEXT[],
ADD COLUMN     "seat_user_nick" TEXT,
ADD COLUMN     "seat_user_phone" TEXT,
ADD COLUMN     "seat_user_role" INTEGER,
ADD COLUMN     "skill_group" TEXT,
ADD COLUMN     "skill_group_id" BIGINT,
ADD COLUMN     "survey_keys" TEXT[],
ADD COLUMN     "survey_labels" TEXT[],
ADD COLUMN     "sys_hangup_reason" INTEGER,
ADD COLUMN     "sys_hangup_reason_string" TEXT,
ADD COLUMN     "voicemail_asr_urls" TEXT[];

-- AlterTable
ALTER TABLE "reconcile_runs" ADD COLUMN     "failed_records" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "recordings" ADD COLUMN     "pushed_fields" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "tel_cdr_records" (
    "id" BIGSERIAL NOT NULL,
    "sdk_app_id" BIGINT NOT NULL,
    "record_key" TEXT NOT NULL,
    "session_id" TEXT,
    "body" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_run_id" BIGINT,
    "replay_count" INTEGER NOT NULL DEFAULT 0,
    "last_replayed_at" TIMESTAMPTZ(3),

    CONSTRAINT "tel_cdr_records_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "tel_cdr_records_status_last_seen_at_idx" ON "tel_cdr_records"("status", "last_seen_at");

-- CreateIndex
CREATE INDEX "tel_cdr_records_sdk_app_id_session_id_idx" ON "tel_cdr_records"("sdk_app_id", "session_id");

-- CreateIndex
CREATE UNIQUE INDEX "tel_cdr_records_sdk_app_id_record_key_key" ON "tel_cdr_records"("sdk_app_id", "record_key");

-- Who wins (docs/data-dictionary.md): pushed_fields marks, per column, a value a push gave. Rows stored before this
-- migration do not say, so a column that holds a value is counted as pushed when a processed push of the row's kind
-- exists for it: otherwise the next DescribeTelCdr read could replace a push's more precise value with its own.
UPDATE "call_sessions" s SET "pushed_fields" =
      (CASE WHEN s."direction" IS NOT NULL THEN 1 ELSE 0 END)
      | (CASE WHEN s."caller" IS NOT NULL THEN 2 ELSE 0 END)
      | (CASE WHEN s."callee" IS NOT NULL THEN 4 ELSE 0 END)
      | (CASE WHEN s."duration_sec" IS NOT NULL THEN 8 ELSE 0 END)
      | (CASE WHEN s."ivr_duration_sec" IS NOT NULL THEN 16 ELSE 0 END)
      | (CASE WHEN s."start_at" IS NOT NULL THEN 32 ELSE 0 END)
      | (CASE WHEN s."ring_at" IS NOT NULL THEN 64 ELSE 0 END)
      | (CASE WHEN s."accept_at" IS NOT NULL THEN 128 ELSE 0 END)
      | (CASE WHEN s."ended_at" IS NOT NULL THEN 256 ELSE 0 END)
      | (CASE WHEN s."queued_at" IS NOT NULL THEN 512 ELSE 0 END)
      | (CASE WHEN s."end_status" IS NOT NULL THEN 1024 ELSE 0 END)
      | (CASE WHEN s."hung_up_side" IS NOT NULL THEN 2048 ELSE 0 END)
      | (CASE WHEN s."queued_skill_group_id" IS NOT NULL THEN 4096 ELSE 0 END)
      | (CASE WHEN s."queued_skill_group_name" IS NOT NULL THEN 8192 ELSE 0 END)
      | (CASE WHEN s."seat_user_id" IS NOT NULL THEN 16384 ELSE 0 END)
      | (CASE WHEN s."seat_user_name" IS NOT NULL THEN 32768 ELSE 0 END)
      | (CASE WHEN s."seat_user_mail" IS NOT NULL THEN 65536 ELSE 0 END)
      | (CASE WHEN s."seat_staff_number" IS NOT NULL THEN 131072 ELSE 0 END)
      | (CASE WHEN s."record_id" IS NOT NULL THEN 262144 ELSE 0 END)
      | (CASE WHEN s."uui" IS NOT NULL THEN 524288 ELSE 0 END)
      | (CASE WHEN s."user_remark" IS NOT NULL THEN 1048576 ELSE 0 END)
      | (CASE WHEN s."caller_location" IS NOT NULL THEN 2097152 ELSE 0 END)
      | (CASE WHEN s."tel_country" IS NOT NULL THEN 4194304 ELSE 0 END)
      | (CASE WHEN s."tel_province" IS NOT NULL THEN 8388608 ELSE 0 END)
      | (CASE WHEN s."tel_city" IS NOT NULL THEN 16777216 ELSE 0 END)
      | (CASE WHEN s."tel_operator" IS NOT NULL THEN 33554432 ELSE 0 END)
      | (CASE WHEN s."ivr_key_pressed" IS NOT NULL THEN 67108864 ELSE 0 END)
      | (CASE WHEN s."post_ivr_key_pressed" IS NOT NULL THEN 134217728 ELSE 0 END)
WHERE EXISTS (SELECT 1 FROM "push_inbox" p WHERE p."action" = 'cdr' AND p."status" = 'processed' AND p."sdk_app_id" = s."sdk_app_id" AND p."session_id" = s."session_id");

UPDATE "call_participants" c SET "pushed_fields" =
      (CASE WHEN c."mail" IS NOT NULL THEN 1 ELSE 0 END)
      | (CASE WHEN c."phone" IS NOT NULL THEN 2 ELSE 0 END)
      | (CASE WHEN c."type" IS NOT NULL THEN 4 ELSE 0 END)
      | (CASE WHEN c."record_id" IS NOT NULL THEN 8 ELSE 0 END)
      | (CASE WHEN c."skill_group_id" IS NOT NULL THEN 16 ELSE 0 END)
      | (CASE WHEN c."skill_group_name" IS NOT NULL THEN 32 ELSE 0 END)
      | (CASE WHEN c."skill_group_priority" IS NOT NULL THEN 64 ELSE 0 END)
      | (CASE WHEN c."transfer_from" IS NOT NULL THEN 128 ELSE 0 END)
      | (CASE WHEN c."transfer_from_type" IS NOT NULL THEN 256 ELSE 0 END)
      | (CASE WHEN c."transfer_to" IS NOT NULL THEN 512 ELSE 0 END)
      | (CASE WHEN c."transfer_to_type" IS NOT NULL THEN 1024 ELSE 0 END)
      | (CASE WHEN c."end_status" IS NOT NULL THEN 2048 ELSE 0 END)
      | (CASE WHEN c."start_at" IS NOT NULL THEN 4096 ELSE 0 END)
      | (CASE WHEN c."ring_at" IS NOT NULL THEN 8192 ELSE 0 END)
      | (CASE WHEN c."accept_at" IS NOT NULL THEN 16384 ELSE 0 END)
      | (CASE WHEN c."ended_at" IS NOT NULL THEN 32768 ELSE 0 END)
WHERE EXISTS (SELECT 1 FROM "push_inbox" p WHERE p."action" = 'cdr' AND p."status" = 'processed' AND p."sdk_app_id" = c."sdk_app_id" AND p."session_id" = c."session_id");

UPDATE "recordings" r SET "pushed_fields" =
      (CASE WHEN r."record_id" IS NOT NULL THEN 1 ELSE 0 END)
      | (CASE WHEN r."endpoint_user" IS NOT NULL THEN 2 ELSE 0 END)
      | (CASE WHEN r."record_url" IS NOT NULL THEN 4 ELSE 0 END)
      | (CASE WHEN r."custom_record_url" IS NOT NULL THEN 8 ELSE 0 END)
      | (CASE WHEN r."recorded_at" IS NOT NULL THEN 16 ELSE 0 END)
WHERE EXISTS (
    SELECT 1 FROM "push_inbox" p
    WHERE p."status" = 'processed' AND p."sdk_app_id" = r."sdk_app_id" AND p."session_id" = r."session_id"
      AND ((r."kind" = 'call' AND p."action" = 'record' AND p."body" ->> 'RecordId' = r."track_key") OR (r."kind" = 'voicemail' AND p."action" = 'voicemail')));

-- Before this version a window whose records could not be read ended "succeeded" (with those records named in
-- error) and moved the watermark past calls that were never stored. Such runs are failed, and the watermark goes
-- back to the first of them, so that the next sweep reads those windows again with the API's own schema.
UPDATE "reconcile_runs" SET "status" = 'failed', "failed_records" = GREATEST(0, "fetched" - "created" - "updated" - "unchanged")
WHERE "status" = 'succeeded' AND "error" LIKE '% records could not be read: %';

UPDATE "reconcile_watermarks" w SET "reconciled_until" = f."first_start", "updated_at" = now()
FROM (SELECT "sdk_app_id", min("window_start") AS "first_start" FROM "reconcile_runs" WHERE "status" = 'failed' AND "failed_records" > 0 GROUP BY "sdk_app_id") f
WHERE f."sdk_app_id" = w."sdk_app_id" AND f."first_start" < w."reconciled_until";
