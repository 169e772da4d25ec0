-- CreateIndex
CREATE INDEX "recordings_storage_key_idx" ON "recordings"("storage_key");
