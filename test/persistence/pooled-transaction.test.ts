import { randomUUID } from "node:crypto";
import { createLogger } from "../../src/logging/logger";
import { openDatabase, type DatabaseHandle, type PreparedStatement } from "../../src/persistence/database";
import { ConstraintViolationError, DataError } from "../../src/persistence/database-errors";
import { inPooledTransaction } from "../../src/persistence/pooled-transaction";
import { TEST_DATABASE_URL } from "../support/test-env";

// The push path's transaction (pooled-transaction.ts) sends its last statements and COMMIT in one write: whatever
// fails among them, the transaction must leave all of its rows or none.
describe("a pooled transaction that commits with its last statements", () => {
  let database: DatabaseHandle;
  const table = `pooled_tx_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  beforeAll(async () => {
    database = openDatabase({ url: TEST_DATABASE_URL, poolSize: 2, connectTimeoutMs: 5000, logger: createLogger("silent") });
    // a deferred constraint is checked at COMMIT: the only way the COMMIT itself fails after its statements succeeded
    await database.pool.query(`CREATE TABLE ${table} (key text PRIMARY KEY, value int NOT NULL,
      CONSTRAINT ${table}_unique_value UNIQUE (value) DEFERRABLE INITIALLY DEFERRED)`);
  });
  afterAll(async () => {
    await database.pool.query(`DROP TABLE ${table}`);
    await database.close();
  });

  const insert = (key: string, value: number | string): PreparedStatement<string[]> => ({
    text: `INSERT INTO ${table} (key, value) VALUES ($1, $2::int) RETURNING key`,
    values: [key, String(value)],
    read: (rows) => (rows as { key: string }[]).map((row) => row.key),
  });
  const keys = async (prefix: string) =>
    (await database.pool.query<{ key: string }>(`SELECT key FROM ${table} WHERE key LIKE $1 ORDER BY key`, [`${prefix}%`])).rows.map((row) => row.key);

  it("resolves with each statement's result once every row is committed", async () => {
    const results = await inPooledTransaction(database.pool, async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO ${table} (key, value) VALUES ($1, 1)`, "ok-first");
      return tx.commitWith(insert("ok-second", 2), insert("ok-third", 3));
    });

    expect(results).toEqual([["ok-second"], ["ok-third"]]);
    expect(await keys("ok-")).toEqual(["ok-first", "ok-second", "ok-third"]);
  });

  it("leaves no row when one of the last statements fails, and rejects with that statement's error", async () => {
    const failure = inPooledTransaction(database.pool, async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO ${table} (key, value) VALUES ($1, 11)`, "bad-first");
      return tx.commitWith(insert("bad-second", 12), insert("bad-third", "not a number"), insert("bad-fourth", 14));
    });

    await expect(failure).rejects.toBeInstanceOf(DataError);
    expect(await keys("bad-")).toEqual([]);
  });

  it("leaves no row when the COMMIT itself fails (a deferred constraint), and rejects with the COMMIT's error", async () => {
    const failure = inPooledTransaction(database.pool, (tx) => tx.commitWith(insert("late-first", 21), insert("late-second", 21)));

    await expect(failure).rejects.toBeInstanceOf(ConstraintViolationError);
    expect(await keys("late-")).toEqual([]);
  });

  it("gives its connection back in a usable state after either failure", async () => {
    const [first, second] = await Promise.all([
      inPooledTransaction(database.pool, (tx) => tx.commitWith(insert("after-first", 31))),
      inPooledTransaction(database.pool, (tx) => tx.commitWith(insert("after-second", 32))),
    ]);

    expect([first, second]).toEqual([[["after-first"]], [["after-second"]]]);
    expect(await keys("after-")).toEqual(["after-first", "after-second"]);
  });

  it("refuses a statement sent after the COMMIT, which would run outside the transaction", async () => {
    const misuse = inPooledTransaction(database.pool, async (tx) => {
      const committed = tx.commitWith(insert("misuse-first", 41));
      await tx.$executeRawUnsafe(`INSERT INTO ${table} (key, value) VALUES ($1, 42)`, "misuse-outside");
      return committed;
    });

    await expect(misuse).rejects.toThrow("a statement after the transaction's COMMIT would run outside it");
    expect(await keys("misuse-outside")).toEqual([]);
  });
});
