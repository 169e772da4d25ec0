import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "../../logging/logger";
import { StorageWriteError } from "../mirror-errors";
import { settleWithExisting } from "./existing-object";
import type { IncomingObject, OpenedObject, PutOutcome, RecordingStorage, StoredObject } from "./recording-storage";
import { uploadObject } from "./s3-upload";

export interface S3StorageOptions {
  bucket: string;
  /** Prepended to every key, without leading or trailing slash; may be empty. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Absent: the SDK's default chain (environment, shared files, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
}

interface S3Failure {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}
const statusOf = (error: unknown) => (error as S3Failure).$metadata?.httpStatusCode;
const isNotFound = (error: unknown) => (error as S3Failure).name === "NoSuchKey" || (error as S3Failure).name === "NotFound" || statusOf(error) === 404;
/** The store refused a conditional write: the key was taken between our HEAD and our write. */
const isKeyTaken = (error: unknown) => (error as S3Failure).name === "PreconditionFailed" || statusOf(error) === 412;
const isNotImplemented = (error: unknown) => (error as S3Failure).name === "NotImplemented" || statusOf(error) === 501;

const discard = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });

/**
 * Never replacing an object takes two guards, because stores differ. Before writing, a HEAD asks whether the key is
 * taken (every store answers that; it needs s3:GetObject and s3:ListBucket, without which a missing key reads as 403).
 * The write itself carries `If-None-Match: *`, so a store that implements conditional writes refuses (412) to
 * complete it if the key was taken after the HEAD. A store that answers the header with 501 is remembered for the
 * process and gets the HEAD alone; a store that ignores the header (s3rver does) has only the HEAD: there, a writer
 * outside this service that creates the same key between the HEAD and the end of the upload would be overwritten.
 */
export function createS3Storage(options: S3StorageOptions): RecordingStorage {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // since 3.729 the SDK adds CRC32 checksums and aws-chunked bodies by default, which COS, MinIO and others refuse
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const { bucket, logger } = options;
  const location = `s3://${bucket}/${options.prefix}`;
  const keyPrefix = options.prefix ? `${options.prefix}/` : "";
  let conditionalWrites = true;

  async function keyTaken(key: string, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyPrefix + key }), { abortSignal: signal });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (statusOf(error) === 403) throw new StorageWriteError(`cannot tell whether ${location}/${key} exists (HEAD answered 403): the mirror needs s3:GetObject and s3:ListBucket`);
      throw error;
    }
  }

  async function openObject(key: string): Promise<OpenedObject | undefined> {
    try {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyPrefix + key }));
      return { sizeBytes: answer.ContentLength ?? 0, body: answer.Body as Readable };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  const settle = async (object: IncomingObject) => settleWithExisting(`${location}/${object.key}`, await openObject(object.key), object.digest());

  return {
    location,

    async put(object: IncomingObject): Promise<PutOutcome> {
      const { key, body, signal } = object;
      if (await keyTaken(key, signal)) {
        // a retry after a crash, or a key taken by other bytes: only the whole body's digest can tell, so read it
        await pipeline(body, discard(), { signal });
        return settle(object);
      }
      const target = { Bucket: bucket, Key: keyPrefix + key, ContentType: object.contentType, IfNoneMatch: conditionalWrites ? "*" : undefined };
      try {
        await uploadObject(client, target, body, signal, {
          onAbortFailed: (uploadId, error) =>
            logger.error({ err: error, key: target.Key, uploadId }, "could not abort a failed multipart upload: its parts stay in the bucket until a lifecycle rule removes them"),
        });
        return "created";
      } catch (error) {
        body.destroy();
        if (isKeyTaken(error)) return settle(object);
        if (target.IfNoneMatch && isNotImplemented(error)) {
          conditionalWrites = false;
          logger.warn({ storage: location }, "the store does not implement conditional writes (If-None-Match): later writes rely on the HEAD check alone");
          throw new StorageWriteError(`${location} answered If-None-Match with 501 Not Implemented; the next attempt writes after a HEAD check alone`, { cause: error });
        }
        throw error;
      }
    },

    open: openObject,

    async *list(prefix: string): AsyncGenerator<StoredObject> {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix + prefix, ContinuationToken }));
        for (const entry of page.Contents ?? []) {
          if (entry.Key === undefined) continue;
          yield { key: entry.Key.slice(keyPrefix.length), sizeBytes: entry.Size ?? 0, modifiedAt: entry.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    close() {
      client.destroy();
    },
  };
}
