import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { createLogger, type Logger } from "../../../src/logging/logger";
import type { RecordingStorage } from "../../../src/recording-mirror/storage/recording-storage";
import { createS3Storage } from "../../../src/recording-mirror/storage/s3-storage";

// s3rver's own error type: thrown from a middleware, it is rendered as S3's XML error with the code's HTTP status
const S3Error = require("s3rver/lib/models/error") as new (code: string, message: string, detail?: Record<string, string>) => Error;

export const BUCKET = "recordings-1250000000";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const REGION = "ap-shanghai";

/**
 * How the store answers `If-None-Match: *` on PutObject and CompleteMultipartUpload:
 *   ignored   as s3rver 3.7 does: the write replaces what is there
 *   honoured  as AWS S3 does since 2024: 412 PreconditionFailed when the key exists
 *   refused   as AWS S3 did before: 501 NotImplemented
 */
export type ConditionalWrites = "ignored" | "honoured" | "refused";

export interface S3StoreOptions {
  conditionalWrites?: ConditionalWrites;
  /**
   * s3rver 3.7 answers AbortMultipartUpload with 405 (and ListMultipartUploads with 501), so an aborted upload's parts
   * stay on its disk. true adds the operation as the S3 API reference defines it: DELETE /bucket/key?uploadId=…
   * discards the upload's parts and answers 204, or 404 NoSuchUpload.
   */
  abortMultipartUpload?: boolean;
}

/**
 * A real S3-compatible server (s3rver) on loopback. What s3rver lacks and the tests need (conditional writes, abort
 * of a multipart upload) is added in front of its routes, following the S3 API, since no store that has them can run
 * here; each test says which it uses.
 */
export interface S3Store {
  readonly endpoint: string;
  readonly client: S3Client;
  /** What the service needs to write under `prefix` of the bucket. */
  serviceEnv(prefix: string): Record<string, string>;
  /** The backend itself, for tests that drive it directly. */
  storage(prefix: string, logger?: Logger): RecordingStorage;
  /** Multipart uploads whose parts s3rver still holds. */
  pendingUploads(): Promise<string[]>;
  put(key: string, body: Buffer): Promise<void>;
  remove(key: string): Promise<void>;
  /** sha256 and size of the object, or undefined when there is none. */
  read(key: string): Promise<{ sizeBytes: number; sha256: string } | undefined>;
  bytes(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  status: number;
  body: unknown;
  store: { existsObject(bucket: string, key: string): Promise<boolean>; getResourcePath(bucket: string, key: string | undefined, resource: string): string };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

async function drain(request: IncomingMessage): Promise<void> {
  for await (const _chunk of request) {
    // the condition is evaluated once the body has arrived, as S3 does; answering mid-upload would cut the client off
  }
}

function missingOperations(options: S3StoreOptions): Middleware {
  return async (ctx, next) => {
    const [bucket = "", ...keyParts] = ctx.path.slice(1).split("/");
    const key = keyParts.map(decodeURIComponent).join("/");
    const uploadId = ctx.query.uploadId;
    const conditional = ctx.headers["if-none-match"] === "*";
    const writesObject = (ctx.method === "PUT" && uploadId === undefined && !ctx.headers["x-amz-copy-source"]) || (ctx.method === "POST" && uploadId !== undefined);
    if (conditional && writesObject && options.conditionalWrites === "refused") {
      await drain(ctx.req);
      throw new S3Error("NotImplemented", "A header you provided implies functionality that is not implemented", { Header: "If-None-Match" });
    }
    if (conditional && writesObject && options.conditionalWrites === "honoured" && (await ctx.store.existsObject(bucket, key))) {
      await drain(ctx.req);
      throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-None-Match" });
    }
    if (options.abortMultipartUpload && ctx.method === "DELETE" && uploadId !== undefined) {
      const uploadDir = path.join(ctx.store.getResourcePath(bucket, undefined, "uploads"), uploadId);
      if (!(await stat(uploadDir).catch(() => undefined))) throw new S3Error("NoSuchUpload", "The specified upload does not exist.", { UploadId: uploadId });
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    await next();
  };
}

export async function startS3Store(options: S3StoreOptions = {}): Promise<S3Store> {
  const directory = await mkdtemp(path.join(tmpdir(), "s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const internals = server as unknown as { middleware: Middleware[]; store: KoaContext["store"] };
  internals.middleware.unshift(missingOperations(options));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: CREDENTIALS, requestChecksumCalculation: "WHEN_REQUIRED" });
  const bytes = async (key: string) => {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  };
  return {
    endpoint,
    client,
    bytes,
    serviceEnv: (prefix) => ({
      STORAGE_URL: `s3://${BUCKET}/${prefix}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: REGION,
      S3_FORCE_PATH_STYLE: "true",
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    }),
    storage: (prefix, logger = createLogger("silent")) => createS3Storage({ bucket: BUCKET, prefix, endpoint, region: REGION, forcePathStyle: true, credentials: CREDENTIALS, logger }),
    async pendingUploads() {
      return readdir(internals.store.getResourcePath(BUCKET, undefined, "uploads")).catch(() => []);
    },
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    },
    async read(key) {
      const stored = await bytes(key).catch((error: unknown) => {
        if ((error as { name?: string }).name === "NoSuchKey") return undefined;
        throw error;
      });
      return stored && { sizeBytes: stored.length, sha256: createHash("sha256").update(stored).digest("hex") };
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
