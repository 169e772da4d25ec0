-- AlterTable
ALTER TABLE "push_inbox" ADD COLUMN     "last_replayed_at" TIMESTAMPTZ(3);
