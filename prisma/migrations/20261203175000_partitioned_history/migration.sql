-- push_inbox and tel_cdr_records become partitioned by month (UTC) on their receive time (received_at,
-- first_seen_at), with a DEFAULT partition so that an insert never fails for want of a partition. A unique index of a
-- partitioned table must contain the partition key, so the keys that must be unique on their own (push_uuid,
-- sdk_app_id + record_key) live in small tables that are not partitioned, push_keys and tel_cdr_record_keys, which
-- also say in which partition the row is. Existing rows are moved.
-- (No semicolon may appear in a comment or a string of this file: the migration runner splits the script at each one.)

-- push_inbox -------------------------------------------------------------------------------------------------------
ALTER TABLE "push_inbox" RENAME TO "push_inbox_unpartitioned";
ALTER TABLE "push_inbox_unpartitioned" RENAME CONSTRAINT "push_inbox_pkey" TO "push_inbox_unpartitioned_pkey";
ALTER INDEX "push_inbox_push_uuid_key" RENAME TO "push_inbox_unpartitioned_push_uuid_key";
ALTER INDEX "push_inbox_sdk_app_id_session_id_idx" RENAME TO "push_inbox_unpartitioned_sdk_app_id_session_id_idx";
ALTER INDEX "push_inbox_status_received_at_idx" RENAME TO "push_inbox_unpartitioned_status_received_at_idx";

CREATE TABLE "push_inbox" (LIKE "push_inbox_unpartitioned" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("received_at");
-- the id sequence stays (ids go on where they were) and goes with the new table
ALTER SEQUENCE "push_inbox_id_seq" OWNED BY "push_inbox"."id";
ALTER TABLE "push_inbox" ADD CONSTRAINT "push_inbox_pkey" PRIMARY KEY ("id", "received_at");
CREATE UNIQUE INDEX "push_inbox_push_uuid_received_at_key" ON "push_inbox"("push_uuid", "received_at");
CREATE INDEX "push_inbox_status_received_at_idx" ON "push_inbox"("status", "received_at");
CREATE INDEX "push_inbox_sdk_app_id_session_id_idx" ON "push_inbox"("sdk_app_id", "session_id");
-- the admin list, newest first, by each of its filters, and the failed pushes counted by action (bench:history)
CREATE INDEX "push_inbox_received_at_idx" ON "push_inbox"("received_at");
CREATE INDEX "push_inbox_sdk_app_id_received_at_idx" ON "push_inbox"("sdk_app_id", "received_at");
CREATE INDEX "push_inbox_status_sdk_app_id_received_at_idx" ON "push_inbox"("status", "sdk_app_id", "received_at");
CREATE INDEX "push_inbox_status_action_received_at_idx" ON "push_inbox"("status", "action", "received_at");
CREATE TABLE "push_inbox_default" PARTITION OF "push_inbox" DEFAULT;

CREATE TABLE "push_keys" (
    "push_uuid" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "push_keys_pkey" PRIMARY KEY ("push_uuid")
);
CREATE INDEX "push_keys_received_at_idx" ON "push_keys"("received_at");

-- tel_cdr_records --------------------------------------------------------------------------------------------------
ALTER TABLE "tel_cdr_records" RENAME TO "tel_cdr_records_unpartitioned";
ALTER TABLE "tel_cdr_records_unpartitioned" RENAME CONSTRAINT "tel_cdr_records_pkey" TO "tel_cdr_records_unpartitioned_pkey";
ALTER INDEX "tel_cdr_records_sdk_app_id_record_key_key" RENAME TO "tel_cdr_records_unpartitioned_sdk_app_id_record_key_key";
ALTER INDEX "tel_cdr_records_sdk_app_id_session_id_idx" RENAME TO "tel_cdr_records_unpartitioned_sdk_app_id_session_id_idx";
ALTER INDEX "tel_cdr_records_status_last_seen_at_idx" RENAME TO "tel_cdr_records_unpartitioned_status_last_seen_at_idx";

CREATE TABLE "tel_cdr_records" (LIKE "tel_cdr_records_unpartitioned" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("first_seen_at");
ALTER SEQUENCE "tel_cdr_records_id_seq" OWNED BY "tel_cdr_records"."id";
ALTER TABLE "tel_cdr_records" ADD CONSTRAINT "tel_cdr_records_pkey" PRIMARY KEY ("id", "first_seen_at");
CREATE UNIQUE INDEX "tel_cdr_records_sdk_app_id_record_key_first_seen_at_key" ON "tel_cdr_records"("sdk_app_id", "record_key", "first_seen_at");
CREATE INDEX "tel_cdr_records_status_last_seen_at_idx" ON "tel_cdr_records"("status", "last_seen_at");
CREATE INDEX "tel_cdr_records_sdk_app_id_session_id_idx" ON "tel_cdr_records"("sdk_app_id", "session_id");
CREATE INDEX "tel_cdr_records_last_seen_at_idx" ON "tel_cdr_records"("last_seen_at");
CREATE INDEX "tel_cdr_records_sdk_app_id_last_seen_at_idx" ON "tel_cdr_records"("sdk_app_id", "last_seen_at");
CREATE TABLE "tel_cdr_records_default" PARTITION OF "tel_cdr_records" DEFAULT;

CREATE TABLE "tel_cdr_record_keys" (
    "sdk_app_id" BIGINT NOT NULL,
    "record_key" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tel_cdr_record_keys_pkey" PRIMARY KEY ("sdk_app_id","record_key")
);
CREATE INDEX "tel_cdr_record_keys_first_seen_at_idx" ON "tel_cdr_record_keys"("first_seen_at");

-- the admin lists of failed tracks and of runs by status, newest first
CREATE INDEX "recordings_mirror_status_updated_at_idx" ON "recordings"("mirror_status", "updated_at");
CREATE INDEX "reconcile_runs_status_id_idx" ON "reconcile_runs"("status", "id");

-- the rows and their keys: every row goes to the DEFAULT partition first, and the service (src/history) creates the
-- month partitions at its start, moving each month's rows into its own partition
INSERT INTO "push_inbox" SELECT * FROM "push_inbox_unpartitioned";
INSERT INTO "push_keys" ("push_uuid", "received_at") SELECT "push_uuid", "received_at" FROM "push_inbox_unpartitioned";
INSERT INTO "tel_cdr_records" SELECT * FROM "tel_cdr_records_unpartitioned";
INSERT INTO "tel_cdr_record_keys" ("sdk_app_id", "record_key", "first_seen_at") SELECT "sdk_app_id", "record_key", "first_seen_at" FROM "tel_cdr_records_unpartitioned";

DROP TABLE "push_inbox_unpartitioned";
DROP TABLE "tel_cdr_records_unpartitioned";
