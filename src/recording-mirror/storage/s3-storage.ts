import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import type { RecordingStorage } from "./recording-storage";

export interface S3StorageOptions {
  bucket: string;
  /** Prepended to every key, without leading or trailing slash; may be empty. */
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Absent: the SDK's default chain (environment, shared files, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The smallest part S3 accepts; with two parts in flight a mirror holds about 15 MB whatever the file's size. */
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

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
  return {
    location: `s3://${options.bucket}/${options.prefix}`,

    async put(key: string, body: Readable, contentType: string): Promise<void> {
      const upload = new Upload({
        client,
        params: { Bucket: options.bucket, Key: options.prefix ? `${options.prefix}/${key}` : key, Body: body, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: PARTS_IN_FLIGHT,
        // a failed multipart upload is aborted: its parts would otherwise be billed and never become an object
        leavePartsOnError: false,
      });
      await upload.done();
    },

    close() {
      client.destroy();
    },
  };
}
