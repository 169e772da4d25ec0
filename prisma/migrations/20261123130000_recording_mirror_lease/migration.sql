-- AlterTable
ALTER TABLE "recordings" ADD COLUMN     "mirror_lease_end" TIMESTAMPTZ(3),
ADD COLUMN     "mirror_lease_id" UUID;
