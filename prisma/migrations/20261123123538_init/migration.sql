-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "push_inbox" (
    "id" BIGSERIAL NOT NULL,
    "push_uuid" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "sdk_app_id" BIGINT,
    "session_id" TEXT,
    "body" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "duplicate_count" INTEGER NOT NULL DEFAULT 0,
    "replay_count" INTEGER NOT NULL DEFAULT 0,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "last_duplicate_at" TIMESTAMPTZ(3),

    CONSTRAINT "push_inbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_sessions" (
    "id" BIGSERIAL NOT NULL,
    "sdk_app_id" BIGINT NOT NULL,
    "session_id" TEXT NOT NULL,
    "direction" SMALLINT,
    "caller" TEXT,
    "callee" TEXT,
    "duration_sec" INTEGER,
    "ivr_duration_sec" INTEGER,
    "start_at" TIMESTAMPTZ(0),
    "ring_at" TIMESTAMPTZ(0),
    "accept_at" TIMESTAMPTZ(0),
    "ended_at" TIMESTAMPTZ(0),
    "queued_at" TIMESTAMPTZ(0),
    "end_status" TEXT,
    "end_status_code" INTEGER,
    "hung_up_side" TEXT,
    "queued_skill_group_id" BIGINT,
    "queued_skill_group_name" TEXT,
    "seat_user_id" TEXT,
    "seat_user_name" TEXT,
    "seat_user_mail" TEXT,
    "seat_staff_number" TEXT,
    "record_id" TEXT,
    "uui" TEXT,
    "user_remark" TEXT,
    "caller_location" TEXT,
    "tel_country" TEXT,
    "tel_province" TEXT,
    "tel_city" TEXT,
    "tel_operator" TEXT,
    "ivr_key_pressed" JSONB,
    "post_ivr_key_pressed" JSONB,
    "asr_url" TEXT,
    "protected_caller" TEXT,
    "protected_callee" TEXT,
    "remark" TEXT,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_participants" (
    "id" BIGSERIAL NOT NULL,
    "sdk_app_id" BIGINT NOT NULL,
    "session_id" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "mail" TEXT,
    "phone" TEXT,
    "type" TEXT,
    "record_id" TEXT,
    "skill_group_id" BIGINT,
    "skill_group_name" TEXT,
    "skill_group_priority" INTEGER,
    "transfer_from" TEXT,
    "transfer_from_type" TEXT,
    "transfer_to" TEXT,
    "transfer_to_type" TEXT,
    "end_status" TEXT,
    "start_at" TIMESTAMPTZ(0),
    "ring_at" TIMESTAMPTZ(0),
    "accept_at" TIMESTAMPTZ(0),
    "ended_at" TIMESTAMPTZ(0),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_participants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recordings" (
    "id" BIGSERIAL NOT NULL,
    "sdk_app_id" BIGINT NOT NULL,
    "session_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "track_key" TEXT NOT NULL,
    "record_id" TEXT,
    "endpoint_user" TEXT,
    "record_url" TEXT,
    "custom_record_url" TEXT,
    "recorded_at" TIMESTAMPTZ(0),
    "mirror_status" TEXT NOT NULL DEFAULT 'pending',
    "storage_key" TEXT,
    "size_bytes" BIGINT,
    "sha256" TEXT,
    "mirrored_at" TIMESTAMPTZ(3),
    "mirror_error" TEXT,
    "mirror_attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recordings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "push_inbox_push_uuid_key" ON "push_inbox"("push_uuid");

-- CreateIndex
CREATE INDEX "push_inbox_status_received_at_idx" ON "push_inbox"("status", "received_at");

-- CreateIndex
CREATE INDEX "push_inbox_sdk_app_id_session_id_idx" ON "push_inbox"("sdk_app_id", "session_id");

-- CreateIndex
CREATE INDEX "call_sessions_start_at_idx" ON "call_sessions"("start_at");

-- CreateIndex
CREATE INDEX "call_sessions_seat_user_id_start_at_idx" ON "call_sessions"("seat_user_id", "start_at");

-- CreateIndex
CREATE INDEX "call_sessions_queued_skill_group_id_start_at_idx" ON "call_sessions"("queued_skill_group_id", "start_at");

-- CreateIndex
CREATE INDEX "call_sessions_caller_idx" ON "call_sessions"("caller");

-- CreateIndex
CREATE INDEX "call_sessions_callee_idx" ON "call_sessions"("callee");

-- CreateIndex
CREATE UNIQUE INDEX "call_sessions_sdk_app_id_session_id_key" ON "call_sessions"("sdk_app_id", "session_id");

-- CreateIndex
CREATE INDEX "call_participants_mail_start_at_idx" ON "call_participants"("mail", "start_at");

-- CreateIndex
CREATE INDEX "call_participants_skill_group_id_start_at_idx" ON "call_participants"("skill_group_id", "start_at");

-- CreateIndex
CREATE UNIQUE INDEX "call_participants_sdk_app_id_session_id_sequence_key" ON "call_participants"("sdk_app_id", "session_id", "sequence");

-- CreateIndex
CREATE INDEX "recordings_sdk_app_id_session_id_idx" ON "recordings"("sdk_app_id", "session_id");

-- CreateIndex
CREATE INDEX "recordings_mirror_status_recorded_at_idx" ON "recordings"("mirror_status", "recorded_at");

-- CreateIndex
CREATE UNIQUE INDEX "recordings_sdk_app_id_session_id_kind_track_key_key" ON "recordings"("sdk_app_id", "session_id", "kind", "track_key");
