import pg from "pg";
import { statementName, TRANSACTION_OPTIONS, type StatementRunner } from "./database";
import { classifyDatabaseError } from "./database-errors";

/**
 * A transaction on one connection of the pool, without Prisma in between: the push path's. Its statements are the
 * same constant texts the repositories send through Prisma elsewhere (named, so each is prepared once per
 * connection), and answer the same values: int8 as bigint, timestamptz as Date, the rest as pg parses it. Prisma's interactive
 * transaction costs more CPU than the statements themselves take (its query interpreter, promise chains and result
 * conversion per statement), which the push path, a transaction per batch of pushes, cannot afford.
 */

const INT8_OID = 20;
const types = {
  getTypeParser: (oid: number, format?: string) => (oid === INT8_OID && format !== "binary" ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format as "text")),
};

// a statement that waits longer (a lock held by a stuck transaction) fails the batch, as Prisma's timeout did
const BEGIN = `BEGIN; SET LOCAL statement_timeout = ${TRANSACTION_OPTIONS.timeout}`;

/** Rejects with the typed error (database-errors.ts) when the database failed, with work's own error otherwise. */
export async function inPooledTransaction<T>(pool: pg.Pool, work: (sql: StatementRunner) => Promise<T>): Promise<T> {
  try {
    return await onPooledConnection(pool, work);
  } catch (error) {
    throw classifyDatabaseError(error) ?? error;
  }
}

async function onPooledConnection<T>(pool: pg.Pool, work: (sql: StatementRunner) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // a connection that breaks between two statements emits "error" with no query to receive it: kept, not thrown
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  const sql: StatementRunner = {
    async $queryRawUnsafe<R>(text: string, ...values: unknown[]): Promise<R> {
      const result = await client.query({ name: statementName(text), text, values, types });
      return result.rows as R;
    },
    async $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number> {
      const result = await client.query({ name: statementName(text), text, values, types });
      return result.rowCount ?? 0;
    },
  };
  try {
    await client.query(BEGIN);
    const result = await work(sql);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // a connection in an unknown state is not given back: the pool opens a new one
    if (!broken) await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}
