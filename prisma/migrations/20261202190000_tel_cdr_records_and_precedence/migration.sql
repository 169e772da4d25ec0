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
