-- CreateTable
CREATE TABLE "reconcile_runs" (
    "id" BIGSERIAL NOT NULL,
    "sdk_app_id" BIGINT NOT NULL,
    "window_start" TIMESTAMPTZ(0) NOT NULL,
    "window_end" TIMESTAMPTZ(0) NOT NULL,
    "status" TEXT NOT NULL,
    "fetched" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "error" TEXT,

    CONSTRAINT "reconcile_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconcile_watermarks" (
    "sdk_app_id" BIGINT NOT NULL,
    "reconciled_until" TIMESTAMPTZ(0) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconcile_watermarks_pkey" PRIMARY KEY ("sdk_app_id")
);

-- CreateTable
CREATE TABLE "reconcile_missing_sessions" (
    "run_id" BIGINT NOT NULL,
    "sdk_app_id" BIGINT NOT NULL,
    "session_id" TEXT NOT NULL,

    CONSTRAINT "reconcile_missing_sessions_pkey" PRIMARY KEY ("run_id","session_id")
);

-- CreateIndex
CREATE INDEX "reconcile_runs_sdk_app_id_started_at_idx" ON "reconcile_runs"("sdk_app_id", "started_at");

-- CreateIndex
CREATE INDEX "reconcile_runs_sdk_app_id_window_start_window_end_idx" ON "reconcile_runs"("sdk_app_id", "window_start", "window_end");

-- CreateIndex
CREATE INDEX "reconcile_runs_status_started_at_idx" ON "reconcile_runs"("status", "started_at");

-- CreateIndex
CREATE INDEX "reconcile_missing_sessions_sdk_app_id_session_id_idx" ON "reconcile_missing_sessions"("sdk_app_id", "session_id");

-- AddForeignKey
ALTER TABLE "reconcile_missing_sessions" ADD CONSTRAINT "reconcile_missing_sessions_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "reconcile_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
