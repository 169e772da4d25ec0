import pg from "pg";
import { statementName, TRANSACTION_OPTIONS, type PreparedStatement, type StatementRunner } from "./database";
import { classifyDatabaseError } from "./database-errors";

/**
 * A transaction on one connection of the pool, without Prisma in between: the push path's. Its statements are the
 * same constant texts the repositories send through Prisma elsewhere (named, so each is prepared once per
 * connection), and answer the same values: int8 as bigint, timestamptz as Date, the rest as pg parses it. Prisma's interactive
 * transaction costs more CPU than the statements themselves take (its query interpreter, promise chains and result
 * conversion per statement), which the push path, a transaction per batch of pushes, cannot afford.
 *
 * The pool's connections pipeline (database.ts): a statement is written at once, without waiting for the answers to
 * those before it, and PostgreSQL runs them in order. So `BEGIN` is not waited for but leaves with the work's first
 * statement, and statements the work issues without awaiting one another (two independent writes) share a round
 * trip. Statements issued in the same tick also share one write to the socket: it is corked until the tick ends.
 * The work's last statements can take the COMMIT with them (commitWith): one round trip fewer per transaction.
 */

const INT8_OID = 20;
const types = {
  getTypeParser: (oid: number, format?: string) => (oid === INT8_OID && format !== "binary" ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format as "text")),
};

// a statement that waits longer (a lock held by a stuck transaction) fails the batch, as Prisma's timeout did
const BEGIN = `BEGIN; SET LOCAL statement_timeout = ${TRANSACTION_OPTIONS.timeout}`;

/**
 * The values of statements sent together, or the failure of the first one that failed in the order they were sent:
 * the ones behind it in the same transaction fail only because it aborted the transaction ("current transaction is
 * aborted"), which says nothing of why.
 */
export async function allInOrder<T extends readonly unknown[]>(pending: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

type Results<Statements extends readonly PreparedStatement<unknown>[]> = { -readonly [K in keyof Statements]: Statements[K] extends PreparedStatement<infer R> ? R : never };

export interface PooledTransaction extends StatementRunner {
  /**
   * Sends the statements and COMMIT in one write, and resolves with the statements' results once the transaction
   * committed. If one of them fails, PostgreSQL runs the COMMIT behind it as a ROLLBACK, so nothing of the
   * transaction stays; this rejects with the first failure. The work sends nothing after it.
   */
  commitWith<Statements extends readonly PreparedStatement<unknown>[]>(...statements: Statements): Promise<Results<Statements>>;
}

/** Rejects with the typed error (database-errors.ts) when the database failed, with work's own error otherwise. */
export async function inPooledTransaction<T>(pool: pg.Pool, work: (sql: PooledTransaction) => Promise<T>): Promise<T> {
  try {
    return await onPooledConnection(pool, work);
  } catch (error) {
    throw classifyDatabaseError(error) ?? error;
  }
}

async function onPooledConnection<T>(pool: pg.Pool, work: (sql: PooledTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // a connection that breaks between two statements emits "error" with no query to receive it: kept, not thrown
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  const { stream } = client.connection;
  let corked = false;
  const send = (text: string, values?: unknown[]) => {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(() => {
        corked = false;
        stream.uncork();
      });
    }
    return values ? client.query({ name: statementName(text), text, values, types }) : client.query(text);
  };
  // the COMMIT, once sent: the transaction ends with it, committed or (after a failed statement) rolled back
  let commit: Promise<pg.QueryResult> | undefined;
  const sendInTransaction = (text: string, values: unknown[]) => {
    if (commit) throw new Error("a statement after the transaction's COMMIT would run outside it");
    return send(text, values);
  };
  const sql: PooledTransaction = {
    async $queryRawUnsafe<R>(text: string, ...values: unknown[]): Promise<R> {
      return (await sendInTransaction(text, values)).rows as R;
    },
    async $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number> {
      return (await sendInTransaction(text, values)).rowCount ?? 0;
    },
    async commitWith(...statements) {
      if (commit) throw new Error("the transaction's COMMIT was sent already");
      const answers = statements.map((statement) => send(statement.text, statement.values));
      commit = send("COMMIT");
      // the statements' failures first: COMMIT only fails by itself when they succeeded
      const settled = await allInOrder([...answers, commit]);
      const ended = settled.pop() as pg.QueryResult;
      // after a failure PostgreSQL answers COMMIT with ROLLBACK, but one of the statements then rejected above
      if (ended.command !== "COMMIT") throw new Error(`the transaction ended with ${ended.command}, not COMMIT`);
      return settled.map((result, index) => statements[index]?.read(result.rows)) as Results<typeof statements>;
    },
  };
  try {
    // if BEGIN failed, so would the statements behind it: a failed SET LOCAL leaves the transaction aborted
    const [, result] = await allInOrder([send(BEGIN), work(sql)] as const);
    await (commit ?? send("COMMIT"));
    return result;
  } catch (error) {
    // a connection in an unknown state is not given back: the pool opens a new one; a transaction whose COMMIT was
    // sent has ended, whatever its outcome
    if (!broken && !commit) await send("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}
