import { createHmac, randomBytes } from "node:crypto";
import type { Database } from "../persistence/database";

/**
 * Sessions of the admin page, in PostgreSQL so that every instance knows them and a restart signs nobody out. The
 * cookie carries a random id; the table holds only its HMAC keyed with ADMIN_TOKEN, so rows are worthless to whoever
 * reads them, and a new ADMIN_TOKEN ends every session at once.
 */
export interface AdminSessionStore {
  readonly ttlSec: number;
  /** A new session; the id is for the cookie and is never stored. */
  open(): Promise<{ id: string; expiresAt: Date }>;
  /** Whether the id belongs to a session that has neither expired nor been revoked. */
  isActive(id: string): Promise<boolean>;
  /** Ends the session (sign-out); unknown or already ended ids are fine. */
  revoke(id: string): Promise<void>;
}

export interface AdminSessionOptions {
  prisma: Database;
  adminToken: string;
  ttlSec: number;
  now?: () => Date;
}

/** 256 random bits, URL-safe. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function adminSessionIdHash(adminToken: string, id: string): string {
  return createHmac("sha256", adminToken).update(id).digest("hex");
}

export function createAdminSessionStore({ prisma, adminToken, ttlSec, now = () => new Date() }: AdminSessionOptions): AdminSessionStore {
  const hash = (id: string) => adminSessionIdHash(adminToken, id);
  return {
    ttlSec,

    async open() {
      const id = randomBytes(32).toString("base64url");
      const at = now();
      const expiresAt = new Date(at.getTime() + ttlSec * 1000);
      // sign-ins are rare: clearing what expired here (through the expires_at index) needs no job of its own
      await prisma.adminSession.deleteMany({ where: { expiresAt: { lte: at } } });
      await prisma.adminSession.create({ data: { idHash: hash(id), createdAt: at, expiresAt } });
      return { id, expiresAt };
    },

    async isActive(id) {
      if (!SESSION_ID.test(id)) return false;
      const session = await prisma.adminSession.findUnique({ where: { idHash: hash(id) }, select: { expiresAt: true } });
      return session !== null && session.expiresAt > now();
    },

    async revoke(id) {
      if (!SESSION_ID.test(id)) return;
      await prisma.adminSession.deleteMany({ where: { idHash: hash(id) } });
    },
  };
}
