import pg from "pg";
import { createLogger } from "../../src/logging/logger";
import { openDatabase, type DatabaseHandle } from "../../src/persistence/database";
import {
  classifyDatabaseError,
  ConstraintViolationError,
  DatabaseUnavailableError,
  DataError,
  ProgramLimitError,
  RefusedByDatabaseError,
  TransactionConflictError,
} from "../../src/persistence/database-errors";
import { closedPort } from "../support/ports";
import { TEST_DATABASE_URL } from "../support/test-env";

/** The error a promise rejects with (the test fails if it resolves). */
async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected the database to refuse this");
}

const silent = createLogger("silent");
const open = (url: string, overrides: { poolSize?: number; connectTimeoutMs?: number } = {}) =>
  openDatabase({ url, poolSize: overrides.poolSize ?? 2, connectTimeoutMs: overrides.connectTimeoutMs ?? 5000, logger: silent });

/**
 * Errors as PostgreSQL, pg, @prisma/adapter-pg and Prisma really raise them, each told apart by its codes (or, for
 * pg's code-less connection failures, by the type openDatabase's pool gives them where pg raises them).
 */
describe("classifying what the database throws", () => {
  let database: DatabaseHandle;
  beforeAll(() => {
    database = open(TEST_DATABASE_URL);
  });
  afterAll(() => database.close());

  describe("what PostgreSQL refuses", () => {
    it("a duplicate key is a constraint violation, through Prisma and through the pool alike", async () => {
      const [createTable, insertTwice] = ["CREATE TEMP TABLE once (k int PRIMARY KEY) ON COMMIT DROP", "INSERT INTO once VALUES (1), (1)"];
      const viaPrisma = await failureOf(() =>
        database.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(createTable);
          await tx.$executeRawUnsafe(insertTwice);
        }),
      );
      const viaPool = await failureOf(() => database.pool.query(`${createTable}; ${insertTwice}`));

      for (const error of [viaPrisma, viaPool]) {
        const classified = classifyDatabaseError(error);
        expect(classified).toBeInstanceOf(ConstraintViolationError);
        expect(classified).toMatchObject({ sqlState: "23505", cause: error });
      }
    });

    it("a NUL character in jsonb is a data error (class 22)", async () => {
      const error = await failureOf(() => database.prisma.$queryRawUnsafe(`SELECT $1::jsonb`, '{"a": "\\u0000"}'));

      const classified = classifyDatabaseError(error);
      expect(classified).toBeInstanceOf(DataError);
      expect(classified?.sqlState).toBe("22P05");
      expect(classified?.message).toContain("unsupported Unicode escape sequence");
    });

    it("JSON nested deeper than PostgreSQL's stack is a program limit (class 54)", async () => {
      const deep = "[".repeat(100_000) + "]".repeat(100_000);
      const error = await failureOf(() => database.prisma.$queryRawUnsafe(`SELECT $1::jsonb`, deep));

      const classified = classifyDatabaseError(error);
      expect(classified).toBeInstanceOf(ProgramLimitError);
      expect(classified?.sqlState).toBe("54001");
    });

    it("a deadlock between two transactions is a conflict worth running again", async () => {
      const [first, second] = [await database.pool.connect(), await database.pool.connect()];
      try {
        await first.query("BEGIN; SELECT pg_advisory_xact_lock(912001)");
        await second.query("BEGIN; SELECT pg_advisory_xact_lock(912002)");
        const waiting = [first.query("SELECT pg_advisory_xact_lock(912002)"), second.query("SELECT pg_advisory_xact_lock(912001)")];
        const outcomes = await Promise.allSettled(waiting);
        const failure = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;

        const classified = classifyDatabaseError(failure.reason);
        expect(classified).toBeInstanceOf(TransactionConflictError);
        expect(classified?.sqlState).toBe("40P01");
      } finally {
        await Promise.all([first.query("ROLLBACK"), second.query("ROLLBACK")]);
        first.release();
        second.release();
      }
    });

    it("any other SQLSTATE (a syntax error) is a refusal no retry helps; what is no database failure is left alone", async () => {
      const syntax = await failureOf(() => database.prisma.$queryRawUnsafe(`SELEC 1`));

      expect(classifyDatabaseError(syntax)).toBeInstanceOf(RefusedByDatabaseError);
      expect(classifyDatabaseError(syntax)?.sqlState).toBe("42601");
      expect(classifyDatabaseError(new TypeError("x is undefined"))).toBeUndefined();
      expect(classifyDatabaseError(undefined)).toBeUndefined();
    });
  });

  describe("when PostgreSQL cannot be had", () => {
    it("a refused connection is unavailability, through Prisma and through the pool alike", async () => {
      const away = open(`postgresql://postgres@127.0.0.1:${await closedPort()}/tccc`);
      try {
        const viaPrisma = await failureOf(() => away.prisma.$queryRawUnsafe("SELECT 1"));
        const viaPool = await failureOf(() => away.pool.connect());

        for (const error of [viaPrisma, viaPool]) expect(classifyDatabaseError(error)).toBeInstanceOf(DatabaseUnavailableError);
        expect((viaPool as { code?: string }).code).toBe("ECONNREFUSED");
      } finally {
        await away.close();
      }
    });

    it("a pool whose connections are all busy past the connect timeout is unavailability", async () => {
      const small = open(TEST_DATABASE_URL, { poolSize: 1, connectTimeoutMs: 200 });
      const held = await small.pool.connect();
      try {
        const viaPool = await failureOf(() => small.pool.connect());
        const viaPrisma = await failureOf(() => small.prisma.$queryRawUnsafe("SELECT 1"));

        // pg-pool raises it without a code; the pool openDatabase built typed it on the way out
        expect(viaPool).toBeInstanceOf(DatabaseUnavailableError);
        expect((viaPool as Error).message).toBe("PostgreSQL is unavailable: timeout exceeded when trying to connect");
        expect(classifyDatabaseError(viaPrisma)).toBeInstanceOf(DatabaseUnavailableError);
      } finally {
        held.release();
        await small.close();
      }
    });

    it("a backend terminated under a connection is unavailability, on the query that was running and on the next one", async () => {
      const victim = await database.pool.connect();
      let broken: Error | undefined;
      victim.on("error", (error) => (broken = error));
      try {
        const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        const running = failureOf(() => victim.query("SELECT pg_sleep(10)"));
        await new Promise((resolve) => setTimeout(resolve, 200));
        await database.pool.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
        const duringQuery = await running;
        const nextQuery = await failureOf(() => victim.query("SELECT 1"));

        // PostgreSQL says 57P01 (terminating connection due to administrator command) to the running query
        expect(classifyDatabaseError(duringQuery)).toMatchObject({ sqlState: "57P01" });
        expect(classifyDatabaseError(duringQuery)).toBeInstanceOf(DatabaseUnavailableError);
        // the next query on that client is written at once (the pool's connections pipeline) and meets the reset
        // socket (ECONNRESET), or, when pg noticed the loss first, gets pg's code-less error, typed by the client
        // openDatabase's pool built: unavailability either way
        expect(classifyDatabaseError(nextQuery)).toBeInstanceOf(DatabaseUnavailableError);
      } finally {
        victim.release(broken ?? true);
      }
    });

    it("Prisma's query on a pooled connection whose backend was terminated is unavailability", async () => {
      const single = open(TEST_DATABASE_URL, { poolSize: 1 });
      try {
        const [{ pid }] = await single.prisma.$queryRawUnsafe<[{ pid: number }]>("SELECT pg_backend_pid() AS pid");
        const running = failureOf(() => single.prisma.$queryRawUnsafe("SELECT pg_sleep(10)"));
        await new Promise((resolve) => setTimeout(resolve, 200));
        await database.pool.query("SELECT pg_terminate_backend($1)", [pid]);

        expect(classifyDatabaseError(await running)).toBeInstanceOf(DatabaseUnavailableError);
      } finally {
        await single.close();
      }
    });
  });

  it("codes that cannot be produced here classify by their codes alone", () => {
    // hand-made, in the shapes pg, Node and Prisma give them: PostgreSQL on this machine cannot be brought to send
    // 53300 (we connect as a superuser, exempt from connection limits), 57P03 (a server starting up), 08006 or 57P02;
    // a host that is unreachable or times out needs a network; Prisma 7 raises P1001/P2024 only with its own engine's pool
    const serverError = (sqlState: string) => Object.assign(new pg.DatabaseError("from the server", 0, "error"), { code: sqlState, severity: "FATAL" });
    const socketError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code, syscall: "connect", errno: -1 });
    const prismaError = (code: string) => Object.assign(new Error("prisma"), { code, clientVersion: "7.10.0" });

    for (const error of [serverError("53300"), serverError("57P03"), serverError("08006"), serverError("57P02"), socketError("ETIMEDOUT"), socketError("EHOSTUNREACH"), prismaError("P1001"), prismaError("P2024")]) {
      expect(classifyDatabaseError(error)).toBeInstanceOf(DatabaseUnavailableError);
    }
    expect(classifyDatabaseError(serverError("40001"))).toBeInstanceOf(TransactionConflictError);
    expect(classifyDatabaseError(prismaError("P2002"))).toBeUndefined();
  });
});
