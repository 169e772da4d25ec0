import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Logger } from "pino";
import { PrismaClient } from "../generated/prisma/client";
import { tagConnectionFailure } from "./database-errors";

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

/**
 * One statement, made before anything is sent: its constant text, its parameters, and what its rows mean. Statements
 * made this way can leave together with the COMMIT that ends their transaction (pooled-transaction.ts, commitWith),
 * since nothing is left to fail between sending the first and the last.
 */
export interface PreparedStatement<Result> {
  text: string;
  values: unknown[];
  read(rows: unknown[]): Result;
}

export async function runStatement<Result>(sql: StatementRunner, statement: PreparedStatement<Result>): Promise<Result> {
  return statement.read(await sql.$queryRawUnsafe<unknown[]>(statement.text, ...statement.values));
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
  const pool = new ConnectionFailureTypingPool({
    Client: ConnectionFailureTypingClient,
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

/**
 * pg's pool and clients, with the connection failures pg raises without a code turned into DatabaseUnavailableError
 * where they leave pg: what the pool's connect and query and a client's query give their callers and promises.
 * Every path to PostgreSQL (Prisma through the adapter, the push path's pooled transactions) goes through these.
 */
class ConnectionFailureTypingPool extends pg.Pool {}
ConnectionFailureTypingPool.prototype.connect = typingConnectionFailures(pg.Pool.prototype.connect);
ConnectionFailureTypingPool.prototype.query = typingConnectionFailures(pg.Pool.prototype.query);

class ConnectionFailureTypingClient extends pg.Client {}
ConnectionFailureTypingClient.prototype.query = typingConnectionFailures(pg.Client.prototype.query);

/** A pg method (a callback as last argument, else a promise) whose failures pass through tagConnectionFailure. */
function typingConnectionFailures<Method extends (...args: never[]) => unknown>(method: Method): Method {
  return function (this: unknown, ...args: unknown[]) {
    const callback = args.at(-1);
    if (typeof callback === "function") {
      args[args.length - 1] = (error: unknown, ...results: unknown[]) => callback(error ? tagConnectionFailure(error) : error, ...results);
      return method.apply(this, args as Parameters<Method>);
    }
    const result = method.apply(this, args as Parameters<Method>);
    // a submittable (a cursor, a stream) is returned as it is and reports its own errors
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      throw tagConnectionFailure(error);
    });
  } as unknown as Method;
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
