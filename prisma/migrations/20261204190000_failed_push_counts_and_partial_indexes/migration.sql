-- Failed pushes counted per action and application in a table of their own, kept exact by triggers, so that the
-- status and the metrics read a few rows instead of every failed push; the index that served that count goes.
-- The migration runs as one transaction (the runner sends the script whole): CREATE TRIGGER locks push_inbox against
-- writes until the commit, so the count below sees every failed push and the triggers every later change.

CREATE TABLE "push_inbox_failed_counts" (
    "action" TEXT NOT NULL,
    -- 0 when the push named no readable application (real ones are positive)
    "sdk_app_id" BIGINT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "push_inbox_failed_counts_pkey" PRIMARY KEY ("action", "sdk_app_id")
);

-- One row change of push_inbox: -1 for the key it leaves as failed, +1 for the key it enters as failed. Several keys
-- are changed in key order, like every transaction's rows (see push-inbox-repository.ts), so no two lock in opposite
-- orders.
CREATE FUNCTION "push_inbox_count_failed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO push_inbox_failed_counts AS counted (action, sdk_app_id, count)
  SELECT change.action, change.sdk_app_id, sum(change.delta)
  FROM (
    SELECT OLD.action, COALESCE(OLD.sdk_app_id, 0), -1 WHERE TG_OP <> 'INSERT' AND OLD.status = 'failed'
    UNION ALL
    SELECT NEW.action, COALESCE(NEW.sdk_app_id, 0), 1 WHERE TG_OP <> 'DELETE' AND NEW.status = 'failed'
  ) AS change (action, sdk_app_id, delta)
  GROUP BY change.action, change.sdk_app_id
  HAVING sum(change.delta) <> 0
  ORDER BY change.action, change.sdk_app_id
  ON CONFLICT (action, sdk_app_id) DO UPDATE SET count = counted.count + excluded.count;
  RETURN NULL;
END
$$;

-- Deferred to the commit: a counter row is locked only while its transaction commits, after every other lock the
-- transaction takes, so a burst of failed pushes queues for milliseconds and never deadlocks with the call rows.
-- The WHEN conditions are checked as each row changes: a processed push costs nothing. On a partitioned table the
-- triggers are cloned onto every partition, attached now or later. ATTACH and DETACH move rows without row
-- triggers: src/history counts what they move.
CREATE CONSTRAINT TRIGGER "push_inbox_failed_inserted" AFTER INSERT ON "push_inbox"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.status = 'failed')
  EXECUTE FUNCTION "push_inbox_count_failed"();
CREATE CONSTRAINT TRIGGER "push_inbox_failed_updated" AFTER UPDATE OF "status", "action", "sdk_app_id" ON "push_inbox"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.status = 'failed' OR NEW.status = 'failed')
        AND (OLD.status, OLD.action, OLD.sdk_app_id) IS DISTINCT FROM (NEW.status, NEW.action, NEW.sdk_app_id))
  EXECUTE FUNCTION "push_inbox_count_failed"();
CREATE CONSTRAINT TRIGGER "push_inbox_failed_deleted" AFTER DELETE ON "push_inbox"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status = 'failed')
  EXECUTE FUNCTION "push_inbox_count_failed"();

-- Counts every failed push again, with writers held off meanwhile: the backfill here, and the repair after a month
-- partition was detached by hand with failed pushes in it (see README "Archiving").
CREATE FUNCTION "push_inbox_recount_failed"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE push_inbox IN SHARE MODE;
  DELETE FROM push_inbox_failed_counts;
  INSERT INTO push_inbox_failed_counts (action, sdk_app_id, count)
  SELECT action, COALESCE(sdk_app_id, 0), count(*) FROM push_inbox WHERE status = 'failed' GROUP BY 1, 2;
END
$$;
SELECT "push_inbox_recount_failed"();

-- The count above replaces the index that served it, (status, action, received_at). A call's failed pushes are found
-- by session id (call story) in an index of the failed ones only, which a processed push never writes. The admin
-- list's (status, ...) indexes stay keyed, not partial: its filters are parameters of named prepared statements, and
-- PostgreSQL's generic plan for "status = $1" cannot use an index WHERE status = 'failed' (bench:history: the list of
-- one application's failed cdr pushes took 43 ms through such a plan at 200,000 pushes, 4 to 7 ms keyed at 2 million).
DROP INDEX "push_inbox_status_action_received_at_idx";
CREATE INDEX "push_inbox_failed_session_id_idx" ON "push_inbox"("session_id") WHERE "status" = 'failed';

-- The mirror backlog (status, metrics): counted and dated from this index alone (an index-only scan of the tracks
-- still owed, not of the table).
CREATE INDEX "recordings_mirror_backlog_idx" ON "recordings"("mirror_status", "sdk_app_id", "created_at") WHERE "mirror_status" IN ('pending', 'failed');
