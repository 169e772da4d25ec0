import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { BadRequestError, ErrCode } from "../errors/app-errors";
import type pg from "pg";
import { DataError, ProgramLimitError } from "../persistence/database-errors";
import type { PushStatus } from "../persistence/push-inbox-repository";
import type { PushAction } from "../tccc/payloads";
import { interpretPush } from "../tccc/interpret";
import { createPushWriter } from "./push-writer";

export interface IncomingPush {
  action: PushAction;
  /** X-TCCC-PUSH-UUID, when the sender gave one. */
  pushUuidHeader?: string;
  body: Buffer;
}

export interface PushReceipt {
  pushUuid: string;
  duplicate: boolean;
  status: PushStatus;
  error?: string;
}

export interface PushIntakeDependencies {
  /** The service's connections (DatabaseHandle.pool): pushes are written without Prisma, see pooled-transaction.ts. */
  pool: pg.Pool;
  logger: Logger;
  /** Batch transactions in flight at once (see batchesInFlightPerProcess); the writer's default when unset. */
  maxConcurrentBatches?: number;
  /** Called after commit with recordings that wait for the mirror; failures here never fail the push. */
  onRecordingsStored?: (recordingIds: bigint[]) => Promise<void>;
}

const MAX_PUSH_UUID_LENGTH = 200;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Retries carry the same X-TCCC-PUSH-UUID; without one, identical bytes for the same action are the same push. */
export function pushIdentity(action: PushAction, header: string | undefined, rawBody: string): string {
  const given = header?.trim();
  if (given) {
    if (given.length > MAX_PUSH_UUID_LENGTH) {
      throw new BadRequestError(`X-TCCC-PUSH-UUID is longer than ${MAX_PUSH_UUID_LENGTH} characters`, ErrCode.INVALID_PUSH_ID);
    }
    return given;
  }
  return `sha256:${createHash("sha256").update(action).update("\n").update(rawBody).digest("hex")}`;
}

function decodeJson(body: Buffer): { rawBody: string; parsed: unknown } {
  let rawBody: string;
  try {
    rawBody = utf8.decode(body);
  } catch {
    throw new BadRequestError("body is not valid UTF-8", ErrCode.INVALID_JSON);
  }
  if (rawBody.trim() === "") throw new BadRequestError("body is empty; expected a JSON object", ErrCode.INVALID_JSON);
  try {
    return { rawBody, parsed: JSON.parse(rawBody) };
  } catch (error) {
    throw new BadRequestError(`body is not valid JSON: ${(error as Error).message}`, ErrCode.INVALID_JSON);
  }
}

export function createPushIntakeService(deps: PushIntakeDependencies) {
  const { logger } = deps;
  const writer = createPushWriter({ pool: deps.pool, logger, maxConcurrentBatches: deps.maxConcurrentBatches, onRecordingsStored: deps.onRecordingsStored });

  /**
   * Stores one push and its normalized rows in one transaction (shared with pushes arriving at the same moment);
   * resolves only once that transaction committed.
   * JSON that does not fit the payload schema is stored as `failed` for an admin to replay.
   */
  async function receive(push: IncomingPush): Promise<PushReceipt> {
    const { rawBody, parsed } = decodeJson(push.body);
    const pushUuid = pushIdentity(push.action, push.pushUuidHeader, rawBody);
    const interpretation = interpretPush(push.action, parsed);
    const status: PushStatus = interpretation.ok ? "processed" : "failed";
    const error = interpretation.ok ? undefined : interpretation.error;

    let stored;
    try {
      stored = await writer.store({
        pushUuid,
        action: push.action,
        sdkAppId: interpretation.sdkAppId,
        sessionId: interpretation.sessionId,
        rawBody,
        status,
        error,
        records: interpretation.ok ? interpretation.records : undefined,
      });
    } catch (cause) {
      // an unavailable database (DatabaseUnavailableError) is answered by the push surface's handler: 503, ErrCode 1503
      if (cause instanceof DataError) {
        throw new BadRequestError(
          "body cannot be stored: PostgreSQL rejects it (a \\u0000 character or an unpaired surrogate in a string)",
          ErrCode.UNSTORABLE_BODY,
        );
      }
      if (cause instanceof ProgramLimitError) {
        throw new BadRequestError("body cannot be stored: its JSON is nested too deeply for PostgreSQL", ErrCode.UNSTORABLE_BODY);
      }
      throw cause;
    }

    const receipt: PushReceipt = { pushUuid, duplicate: stored.duplicate, status, error };
    if (status === "failed" && !stored.duplicate) logger.warn({ pushUuid, action: push.action, error }, "push stored as failed");
    return receipt;
  }

  return { receive };
}

export type PushIntakeService = ReturnType<typeof createPushIntakeService>;
