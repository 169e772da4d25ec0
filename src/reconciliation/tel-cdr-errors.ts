/**
 * What a failed DescribeTelCdr call means for us. The SDK throws one class (TencentCloudSDKHttpException, not
 * exported) for everything: a network failure sets only `traceId`, a non-200 answer sets `httpCode`, an API error
 * sets `code` and `requestId`.
 */
export type TelCdrFailure =
  /** RequestLimitExceeded: wait for the window to slide and ask again. */
  | "rate-limited"
  /** No answer, a 5xx, or the vendor's InternalError: the same request may succeed later. */
  | "unavailable"
  /** Auth or parameter errors: asking again cannot help; the run fails with the vendor's words. */
  | "rejected";

export class TelCdrApiError extends Error {
  override readonly name = "TelCdrApiError";

  constructor(
    readonly failure: TelCdrFailure,
    message: string,
    readonly details: { code?: string; requestId?: string; httpStatus?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.failure !== "rejected";
  }

  /** For reconcile_runs.error and logs: `AuthFailure.SignatureFailure: <vendor message> (RequestId ...)`. */
  describe(): string {
    const label = this.details.code ?? (this.details.httpStatus ? `HTTP ${this.details.httpStatus}` : "NetworkError");
    return `${label}: ${this.message}${this.details.requestId ? ` (RequestId ${this.details.requestId})` : ""}`;
  }
}

interface SdkExceptionFields {
  message?: unknown;
  code?: unknown;
  requestId?: unknown;
  httpCode?: unknown;
}

const RETRYABLE_VENDOR_CODES = /^(RequestLimitExceeded|InternalError|ResourceUnavailable)(\.|$)/;

export function classifyTelCdrError(error: unknown): TelCdrApiError {
  if (error instanceof TelCdrApiError) return error;
  const fields = (error && typeof error === "object" ? error : {}) as SdkExceptionFields;
  const message = typeof fields.message === "string" && fields.message !== "" ? fields.message : String(error);
  const code = typeof fields.code === "string" && fields.code !== "" ? fields.code : undefined;
  const requestId = typeof fields.requestId === "string" && fields.requestId !== "" ? fields.requestId : undefined;
  const httpStatus = typeof fields.httpCode === "number" ? fields.httpCode : undefined;
  const details = { code, requestId, httpStatus };

  if (code) {
    const failure = code.startsWith("RequestLimitExceeded") ? "rate-limited" : RETRYABLE_VENDOR_CODES.test(code) ? "unavailable" : "rejected";
    return new TelCdrApiError(failure, message, details, { cause: error });
  }
  if (httpStatus !== undefined) {
    const failure = httpStatus === 429 ? "rate-limited" : httpStatus >= 500 ? "unavailable" : "rejected";
    return new TelCdrApiError(failure, message, details, { cause: error });
  }
  return new TelCdrApiError("unavailable", message, details, { cause: error });
}
