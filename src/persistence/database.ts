import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Logger } from "pino";
import { PrismaClient } from "../generated/prisma/client";

export type Database = PrismaClient;
/**
 * Anything raw SQL can be sent through: the client itself or an interactive transaction. The *Unsafe variants are
 * used only with constant statement texts and $n parameters, never with text built from input.
 */
export type Sql = Pick<PrismaClient, "$queryRaw" | "$executeRaw" | "$queryRawUnsafe" | "$executeRawUnsafe">;

/** What statements of constant text with $n parameters need: Prisma (client or transaction), or a pooled connection. */
export interface StatementRunner {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  /** Resolves with the number of rows the statement affected. */
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  logger: Logger;
}

export interface DatabaseHandle {
  prisma: Database;
  /** The connections behind prisma, for the push path's transactions (see pooled-transaction.ts). */
  pool: pg.Pool;
  close(): Promise<void>;
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // a query is written at once rather than after the answer to the one before: the push path's transaction sends
    // BEGIN with its first statement and its independent statements together (pooled-transaction.ts). Prisma awaits
    // each of its queries, so it sees no difference.
    pipeline: true,
  });
  const adapter = new PrismaPg(pool, {
    // an idle connection dropped by a restarting PostgreSQL is logged; the pool replaces it on next use
    onPoolError: (error) => options.logger.warn({ err: error }, "idle PostgreSQL connection failed"),
    // named statements are prepared once per connection: the merge-upserts are parsed and planned once, not per push
    statementNameGenerator: (query) => statementName(query.sql),
  });
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

const statementNames = new Map<string, string>();

/** The same name for the same text whoever sends it (Prisma or the push path), so a connection prepares it once. */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `s${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    // ad-hoc SQL (admin filters, tests) must not grow this without bound
    if (statementNames.size > 1000) statementNames.clear();
    statementNames.set(sql, name);
  }
  return name;
}

export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/** The SQLSTATE of a PostgreSQL error, however deeply Prisma or the adapter wrapped it. */
export function postgresErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { code?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
    if (typeof candidate.originalCode === "string" && /^[0-9A-Z]{5}$/.test(candidate.originalCode)) return candidate.originalCode;
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code) && !candidate.code.startsWith("P")) return candidate.code;
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return undefined;
}

const CONNECTION_FAILURE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "P1001", "P1002", "P1017", "P2024"]);

/** True when the database could not be reached (as opposed to rejecting what we sent): the caller should retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = postgresErrorCode(error);
  if (code && (code.startsWith("08") || code.startsWith("57P") || code === "53300")) return true;
  const text = collectErrorText(error);
  return (
    [...CONNECTION_FAILURE_CODES].some((marker) => text.includes(marker)) ||
    /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Can't reach database|DatabaseNotReachable|Unable to start a transaction|terminating connection/i.test(text)
  );
}

/** True when PostgreSQL refused a value (SQLSTATE class 22: a NUL character or unpaired surrogate in JSON, etc.). */
export function isDataException(error: unknown): boolean {
  return postgresErrorCode(error)?.startsWith("22") ?? false;
}

/**
 * True when a value is beyond what PostgreSQL can process (SQLSTATE class 54: JSON nested deeper than its parser's
 * stack allows, about 13,000 levels with the default max_stack_depth). Like a data exception, sending it again
 * cannot help.
 */
export function isProgramLimitExceeded(error: unknown): boolean {
  return postgresErrorCode(error)?.startsWith("54") ?? false;
}

function collectErrorText(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current) && parts.length < 10) {
    seen.add(current);
    const candidate = current as { message?: unknown; code?: unknown; kind?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
    parts.push(String(candidate.code ?? ""), String(candidate.kind ?? ""), String(candidate.message ?? ""));
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return parts.join(" ");
}
