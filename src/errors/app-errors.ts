/**
 * Typed errors carry the answer the client gets: an HTTP status and TCCC's `ErrCode`. Any non-zero ErrCode makes TCCC
 * push again (at most three more times), so "retry can help" (storage down) and "retry cannot help" (bad input) both
 * answer non-zero; the difference is in the HTTP status and the message.
 */
export const ErrCode = {
  OK: 0,
  INVALID_JSON: 1001,
  UNKNOWN_ACTION: 1002,
  BODY_TOO_LARGE: 1003,
  INVALID_PUSH_ID: 1004,
  UNSTORABLE_BODY: 1005,
  BAD_REQUEST: 1006,
  UNAUTHORIZED: 1401,
  FORBIDDEN: 1403,
  NOT_FOUND: 1404,
  CONFLICT: 1409,
  INTERNAL: 1500,
  STORAGE_UNAVAILABLE: 1503,
} as const;

export type ErrCodeValue = (typeof ErrCode)[keyof typeof ErrCode];

export class AppError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errCode: ErrCodeValue,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, errCode: ErrCodeValue = ErrCode.BAD_REQUEST) {
    super(400, errCode, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, ErrCode.BODY_TOO_LARGE, `body is larger than the limit of ${limitBytes} bytes`);
  }
}

export class UnauthorizedError extends AppError {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(401, ErrCode.UNAUTHORIZED, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, ErrCode.NOT_FOUND, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, ErrCode.CONFLICT, message);
  }
}

export class StorageUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(503, ErrCode.STORAGE_UNAVAILABLE, "database unavailable, push not stored; retry later", { cause });
  }
}
