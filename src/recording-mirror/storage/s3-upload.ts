import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { PART_SIZE } from "./s3-limits";

const PARTS_IN_FLIGHT = 2;

export interface UploadTarget {
  Bucket: string;
  Key: string;
  ContentType: string;
  /** `*`: the store refuses (412) to complete the object if the key exists by then. */
  IfNoneMatch?: string;
}

export interface UploadCallbacks {
  /** An abort that failed leaves the upload's parts in the bucket, billed and out of sight: worth a log line. */
  onAbortFailed(uploadId: string, error: unknown): void;
}

/**
 * Uploads a stream: a body that fits in one part goes in one PUT, a larger one as a multipart upload. The object
 * exists only once the PUT or the completion succeeded; on any failure (body, store, 412 at completion, signal) the
 * multipart upload is aborted after every part in flight has settled, so no part is left behind where the store
 * implements AbortMultipartUpload.
 */
export async function uploadObject(client: S3Client, target: UploadTarget, body: Readable, signal: AbortSignal | undefined, callbacks: UploadCallbacks): Promise<void> {
  const parts = partsOf(body, PART_SIZE);
  const first = await parts.next();
  if (first.done || first.value.last) {
    const data = first.done ? Buffer.alloc(0) : first.value.data;
    await client.send(new PutObjectCommand({ ...target, Body: data, ContentLength: data.length }), { abortSignal: signal });
    return;
  }

  const { IfNoneMatch, ...location } = target;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(location), { abortSignal: signal });
  if (!UploadId) throw new Error(`the store started a multipart upload of ${target.Key} without an UploadId`);
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const startPart = (partNumber: number, data: Buffer) => {
    const upload: Promise<void> = client
      .send(new UploadPartCommand({ Bucket: target.Bucket, Key: target.Key, UploadId, PartNumber: partNumber, Body: data, ContentLength: data.length }), { abortSignal: signal })
      .then(
        (answer) => {
          completed.push({ PartNumber: partNumber, ETag: answer.ETag });
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .then(() => {
        inFlight.delete(upload);
      });
    inFlight.add(upload);
  };

  try {
    let partNumber = 1;
    for (let next: IteratorResult<Part, void> = first; !next.done; next = await parts.next()) {
      startPart(partNumber++, next.value.data);
      while (inFlight.size >= PARTS_IN_FLIGHT && !failure) await Promise.race(inFlight);
      if (failure) throw failure.error;
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(new CompleteMultipartUploadCommand({ ...location, IfNoneMatch, UploadId, MultipartUpload: { Parts: completed } }), { abortSignal: signal });
  } catch (error) {
    await parts.return();
    // a part still being sent when the abort arrives could outlive it: wait for them all first
    await Promise.all(inFlight);
    await client.send(new AbortMultipartUploadCommand({ Bucket: target.Bucket, Key: target.Key, UploadId })).catch((abortError: unknown) => callbacks.onAbortFailed(UploadId, abortError));
    throw error;
  }
}

interface Part {
  data: Buffer;
  /** No byte follows: known for a full part only once the body ended, so a body of one part goes in one PUT. */
  last: boolean;
}

/** The body cut into parts of `size` bytes (the last one shorter); one part is assembled at a time. */
async function* partsOf(body: Readable, size: number): AsyncGenerator<Part, void> {
  let chunks: Buffer[] = [];
  let length = 0;
  let full: Buffer | undefined;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let rest = chunk;
    while (rest.length > 0) {
      if (full) {
        yield { data: full, last: false };
        full = undefined;
      }
      const take = Math.min(size - length, rest.length);
      chunks.push(rest.subarray(0, take));
      length += take;
      rest = rest.subarray(take);
      if (length === size) {
        full = Buffer.concat(chunks, size);
        chunks = [];
        length = 0;
      }
    }
  }
  if (full) yield { data: full, last: true };
  else if (length > 0) yield { data: Buffer.concat(chunks, length), last: true };
}
