/**
 * What went wrong with the database, as types the surfaces map to their own answers (TCCC's ErrCode, the admin API's
 * problem, the CLI's exit code). Told apart by codes only: SQLSTATE, Node's socket error codes, Prisma's error codes
 * and the driver adapter's error kinds. pg's own code-less connection failures are typed where pg raises them, by the
 * pool openDatabase builds (see tagConnectionFailure).
 */
export abstract class DatabaseError extends Error {
  /** PostgreSQL's SQLSTATE when the server sent one. */
  readonly sqlState: string | undefined;

  constructor(message: string, options: { cause: unknown; sqlState?: string }) {
    super(options.sqlState ? `${message} (SQLSTATE ${options.sqlState})` : message, { cause: options.cause });
    this.name = new.target.name;
    this.sqlState = options.sqlState;
  }
}

/** PostgreSQL could not be reached, went away, or refused more connections: nothing was done, retrying can help. */
export class DatabaseUnavailableError extends DatabaseError {}

/** A row broke a constraint (SQLSTATE class 23: unique, foreign key, not null, check). */
export class ConstraintViolationError extends DatabaseError {}

/** PostgreSQL refused a value (SQLSTATE class 22: a NUL character or an unpaired surrogate in JSON, an unknown time zone...). */
export class DataError extends DatabaseError {}

/**
 * A value is beyond what PostgreSQL can process (SQLSTATE class 54: JSON nested deeper than its parser's stack allows,
 * about 13,000 levels with the default max_stack_depth). Like a data error, sending it again cannot help.
 */
export class ProgramLimitError extends DatabaseError {}

/** The transaction lost to a concurrent one (deadlock, serialization failure): running it again can succeed. */
export class TransactionConflictError extends DatabaseError {}

/**
 * PostgreSQL answered with an error of any other class (a syntax error, a missing table, a permission, a failed
 * authentication): a bug or a setup to fix, which no retry helps.
 */
export class RefusedByDatabaseError extends DatabaseError {}

type DatabaseErrorClass = new (message: string, options: { cause: unknown; sqlState?: string }) => DatabaseError;

function classOfSqlState(sqlState: string): DatabaseErrorClass {
  if (sqlState === "40001" || sqlState === "40P01") return TransactionConflictError;
  switch (sqlState.slice(0, 2)) {
    case "08": // connection exception
    case "53": // insufficient resources: 53300 too many connections, 53100 disk full...
      return DatabaseUnavailableError;
    case "22":
      return DataError;
    case "23":
      return ConstraintViolationError;
    case "54":
      return ProgramLimitError;
  }
  // 57P01 admin shutdown (also pg_terminate_backend), 57P02 crash shutdown, 57P03 cannot connect now (starting up)
  if (sqlState === "57P01" || sqlState === "57P02" || sqlState === "57P03") return DatabaseUnavailableError;
  return RefusedByDatabaseError;
}

/** Node's codes for a socket that could not connect or was cut. */
const SOCKET_FAILURE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);

/**
 * Prisma's own codes, for its errors that carry no driver adapter error: P1001 can't reach the server, P1002 it timed
 * out, P1017 it closed the connection, P2024 no pooled connection in time; P2034 a write conflict or a deadlock.
 */
const PRISMA_CODES: Record<string, DatabaseErrorClass> = {
  P1001: DatabaseUnavailableError,
  P1002: DatabaseUnavailableError,
  P1017: DatabaseUnavailableError,
  P2024: DatabaseUnavailableError,
  P2034: TransactionConflictError,
};

/** The kinds @prisma/adapter-pg gives the errors it converts (convertDriverError) and that carry no SQLSTATE of their own. */
const ADAPTER_KINDS: Record<string, DatabaseErrorClass> = {
  DatabaseNotReachable: DatabaseUnavailableError,
  ConnectionClosed: DatabaseUnavailableError,
  SocketTimeout: DatabaseUnavailableError,
  TooManyConnections: DatabaseUnavailableError,
  TransactionWriteConflict: TransactionConflictError,
};

/** The error record a DriverAdapterError carries as its cause: a kind, and for PostgreSQL's errors the SQLSTATE. */
interface AdapterErrorRecord {
  kind: string;
  originalCode?: string;
  originalMessage?: string;
  /** the SQLSTATE, on records of kind "postgres" */
  code?: string;
}

/**
 * An error PostgreSQL sent, as pg gives it (pg.DatabaseError): told by its fields rather than its class, since an error
 * from the migration thread (migrate-in-thread.ts) arrives as a plain Error that kept its properties.
 */
const isServerError = (value: object): value is { code: string; severity: string; message: string } => {
  const { code, severity } = value as { code?: unknown; severity?: unknown };
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && typeof severity === "string";
};

const isAdapterErrorRecord = (value: object): value is AdapterErrorRecord => typeof (value as { kind?: unknown }).kind === "string";

/**
 * The typed error for anything the database or its driver threw, however deeply Prisma or the adapter wrapped it
 * (an error already typed is returned as it is); undefined for what is no database failure (a bug in our code).
 */
export function classifyDatabaseError(error: unknown): DatabaseError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    if (current instanceof DatabaseError) return current;
    if (isServerError(current)) return ofSqlState(error, current.code, current.message);
    if (isAdapterErrorRecord(current)) {
      const sqlState = current.originalCode ?? (current.kind === "postgres" ? current.code : undefined);
      if (sqlState) return ofSqlState(error, sqlState, current.originalMessage ?? messageOf(error));
      const typed = ADAPTER_KINDS[current.kind];
      return typed && new typed(`the driver adapter reports ${current.kind}: ${messageOf(error)}`, { cause: error });
    }
    const { code, meta, cause } = current as { code?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
    if (typeof code === "string" && SOCKET_FAILURE_CODES.has(code)) return new DatabaseUnavailableError(`PostgreSQL is unavailable: ${messageOf(current)}`, { cause: error });
    // the adapter's error, when Prisma kept it, says more than Prisma's code
    const prismaClass = typeof code === "string" && !meta?.driverAdapterError ? PRISMA_CODES[code] : undefined;
    if (prismaClass) return new prismaClass(messageOf(current), { cause: error });
    current = meta?.driverAdapterError ?? cause;
  }
  return undefined;
}

function ofSqlState(error: unknown, sqlState: string, message: string): DatabaseError {
  return new (classOfSqlState(sqlState))(message, { cause: error, sqlState });
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The errors pg raises with neither a SQLSTATE nor a socket code when a connection could not be had or was lost; the
 * one place that reads pg's messages (exact texts, pg 8.23 / pg-pool 3.14), so that nothing downstream has to.
 */
const PG_CONNECTION_FAILURE_MESSAGES = new Set([
  // pg/lib/client.js:204, the server closed the connection (a restart, pg_terminate_backend after its 57P01)
  "Connection terminated unexpectedly",
  // pg/lib/client.js:767, a query sent on a client whose connection already failed
  "Client has encountered a connection error and is not queryable",
  // pg-pool/index.js:224, every connection busy for connectionTimeoutMillis
  "timeout exceeded when trying to connect",
  // pg-pool/index.js:276, a new connection not established within connectionTimeoutMillis
  "Connection terminated due to connection timeout",
]);

/** pg's code-less connection failure as a DatabaseUnavailableError; any other error as it is. */
export function tagConnectionFailure(error: unknown): unknown {
  if (error instanceof Error && !isServerError(error) && PG_CONNECTION_FAILURE_MESSAGES.has(error.message)) {
    return new DatabaseUnavailableError(`PostgreSQL is unavailable: ${error.message}`, { cause: error });
  }
  return error;
}
