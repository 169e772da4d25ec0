import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import querystring from "node:querystring";
import type { Transform } from "node:stream";
import zlib from "node:zlib";
import type { PushAuthenticator } from "../auth/push-authentication";
import { AppError, BadRequestError, ErrCode, PayloadTooLargeError } from "../errors/app-errors";
import { answerInTcccShape, toAppError } from "../http/error-handler";
import { trackRequest, type RequestContext } from "../http/request-context";
import type { Logger } from "../logging/logger";
import { PUSH_ACTIONS, type PushAction } from "../tccc/payloads";
import type { Metrics } from "../observability/metrics";
import type { PushIntakeService } from "./push-intake-service";

export interface PushRouteOptions {
  intake: PushIntakeService;
  metrics: Metrics;
  logger: Logger;
  authenticate: PushAuthenticator;
  bodyLimitBytes: number;
}

export const PUSH_PATH = "/tccc/push";

const isPushAction = (action: unknown): action is PushAction => typeof action === "string" && (PUSH_ACTIONS as readonly string[]).includes(action);

const queryOf = (url: string) => {
  const start = url.indexOf("?");
  return start < 0 ? {} : querystring.parse(url.slice(start + 1));
};

function readAction(url: string): PushAction {
  const { action } = queryOf(url);
  if (typeof action !== "string") throw new BadRequestError("query parameter action is required: cdr, record or voicemail", ErrCode.UNKNOWN_ACTION);
  if (!isPushAction(action)) {
    throw new BadRequestError(`unknown action "${action.slice(0, 40)}": expected cdr, record or voicemail`, ErrCode.UNKNOWN_ACTION);
  }
  return action;
}

/** POST /tccc/push, spelled as an express route matches it: in any case, with or without a trailing slash. */
export function isPushRequest(req: IncomingMessage): boolean {
  if (req.method !== "POST") return false;
  const url = req.url ?? "";
  const end = url.indexOf("?");
  const path = (end < 0 ? url : url.slice(0, end)).toLowerCase();
  return path === PUSH_PATH || path === `${PUSH_PATH}/`;
}

const ACCEPTED = Buffer.from(JSON.stringify({ ErrCode: ErrCode.OK, ErrMsg: "" }));

const unreadable = (status: number, reason: string) => new AppError(status, ErrCode.BAD_REQUEST, `request could not be read: ${reason}`);

function decodedBody(req: IncomingMessage): IncomingMessage | Transform {
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding === "identity") return req;
  const inflate = { deflate: zlib.createInflate, gzip: zlib.createGunzip, br: zlib.createBrotliDecompress }[encoding];
  if (!inflate) throw unreadable(415, `unsupported content encoding "${encoding}"`);
  const stream = inflate();
  req.pipe(stream);
  return stream;
}

/**
 * The raw bytes of the body, whatever Content-Type says (they are stored as received), at most `limit` of them after
 * decoding; a request without a body gives an empty buffer. What express.raw() did, without its per-request cost.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    let stream: IncomingMessage | Transform;
    try {
      stream = decodedBody(req);
    } catch (error) {
      return reject(error);
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (error: AppError) => {
      stream.removeAllListeners("data");
      if (stream !== req) {
        req.unpipe(stream as Transform);
        stream.destroy();
      }
      // the rest is read and dropped, so the answer reaches a client that is still sending
      req.resume();
      reject(error);
    };
    stream.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) return fail(new PayloadTooLargeError(limit));
      chunks.push(chunk);
    });
    stream.once("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received)));
    stream.once("error", (error: Error) => fail(unreadable(400, error.message)));
    req.once("aborted", () => fail(unreadable(400, "request aborted")));
  });
}

/**
 * POST /tccc/push?action=cdr|record|voicemail: the one URL configured in TCCC's console, nearly all the traffic. Served
 * on node:http directly, ahead of the express app (http/app.ts): express's routing and request decoration took about
 * 40 % of the service's CPU per push (issue 14: 291 against 172 µs per push, wrk saturating one process). It does
 * what the middleware did: request id, completion line and duration metric (request-context.ts), authentication,
 * answers in TCCC's shape.
 */
export function pushRequestHandler(options: PushRouteOptions): RequestListener {
  const { intake, metrics, logger, bodyLimitBytes } = options;
  const tracking = { logger, metrics };
  const routeLabel = () => PUSH_PATH;

  async function receive(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void> {
    const refusal = options.authenticate(req);
    if (refusal) throw refusal;
    const body = await readBody(req, bodyLimitBytes);
    const action = readAction(req.url ?? "");
    const receipt = await intake.receive({ action, pushUuidHeader: req.headers["x-tccc-push-uuid"] as string | undefined, body });
    context.pushUuid = receipt.pushUuid;
    metrics.pushes.inc({ action, outcome: receipt.duplicate ? "duplicate" : receipt.status, err_code: "0" });
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": ACCEPTED.length }).end(ACCEPTED);
  }

  // Every push that is not stored is counted with the ErrCode it is answered, whichever step refused it: the
  // credentials (1401), the body limit (1003), the intake (400s) or the database (1503). The action is taken from the
  // query only when it is a known one, so that label values stay few whatever a client sends.
  function refuse(req: IncomingMessage, res: ServerResponse, context: RequestContext, error: unknown): void {
    const answer = toAppError(error, bodyLimitBytes);
    const { action } = queryOf(req.url ?? "");
    metrics.pushes.inc({
      action: isPushAction(action) ? action : "unknown",
      outcome: answer.httpStatus < 500 ? "rejected" : "error",
      err_code: String(answer.errCode),
    });
    answerInTcccShape(res, error, answer, context.logger, PUSH_PATH);
  }

  return (req, res) => {
    const context = trackRequest(req, res, tracking, routeLabel);
    receive(req, res, context)
      .catch((error: unknown) => refuse(req, res, context, error))
      .catch((error: unknown) => {
        // the answer itself failed: nothing more can be said on this connection, and the process must go on
        logger.error({ err: error, path: PUSH_PATH }, "could not answer a push");
        res.destroy();
      });
  };
}
