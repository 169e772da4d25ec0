import { isDataException, isDatabaseUnavailable, isProgramLimitExceeded, postgresErrorCode } from "../../src/persistence/database";

/** How driver errors are told apart, on the shapes Prisma 7 and @prisma/adapter-pg produce, without a database. */
describe("database error classification", () => {
  /** What Prisma throws for a PostgreSQL error: the SQLSTATE as originalCode of the driver adapter's error. */
  const prismaError = (sqlState: string) => Object.assign(new Error("Raw query failed"), { code: "P2010", meta: { driverAdapterError: { cause: {}, originalCode: sqlState } } });

  it("finds the SQLSTATE however deeply it is wrapped, and not in Prisma's own P codes", () => {
    expect(postgresErrorCode(prismaError("22P05"))).toBe("22P05");
    expect(postgresErrorCode(new Error("outer", { cause: Object.assign(new Error("pg"), { code: "40P01" }) }))).toBe("40P01");
    expect(postgresErrorCode(Object.assign(new Error("prisma"), { code: "P2024" }))).toBeUndefined();
  });

  it("class 22 is bad data, class 54 a limit, neither is unavailability", () => {
    expect([isDataException(prismaError("22P05")), isProgramLimitExceeded(prismaError("22P05")), isDatabaseUnavailable(prismaError("22P05"))]).toEqual([true, false, false]);
    expect([isDataException(prismaError("54001")), isProgramLimitExceeded(prismaError("54001"))]).toEqual([false, true]);
  });

  it("a connection that fails, is cut or is refused by the server is unavailability; a constraint is not", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(prismaError("57P01"))).toBe(true); // terminating connection due to administrator command
    expect(isDatabaseUnavailable(prismaError("08006"))).toBe(true);
    expect(isDatabaseUnavailable(prismaError("53300"))).toBe(true); // too many connections
    expect(isDatabaseUnavailable(Object.assign(new Error("Timed out fetching a new connection from the pool"), { code: "P2024" }))).toBe(true);
    expect(isDatabaseUnavailable(prismaError("23505"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("something else"))).toBe(false);
  });
});
