import path from "node:path";
import { ConfigError, type AppConfig } from "../../config/env";
import type { Logger } from "../../logging/logger";
import { createFileStorage } from "./file-storage";
import type { RecordingStorage } from "./recording-storage";

export type StorageConfig = Pick<
  AppConfig,
  "STORAGE_URL" | "S3_ENDPOINT" | "S3_REGION" | "S3_FORCE_PATH_STYLE" | "S3_ACCESS_KEY_ID" | "S3_SECRET_ACCESS_KEY"
>;

/** STORAGE_URL picks the backend: `file:` paths are absolute (file:///srv/rec) or relative to the project folder. */
export function createStorage(config: StorageConfig, projectRoot: string, logger: Logger): RecordingStorage {
  const storageUrl = config.STORAGE_URL;
  if (storageUrl.startsWith("file:")) {
    const location = decodeURIComponent(storageUrl.replace(/^file:(\/\/(?=\/))?/, ""));
    return createFileStorage(path.resolve(projectRoot, location));
  }
  const url = new URL(storageUrl);
  if ((config.S3_ACCESS_KEY_ID === undefined) !== (config.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError("Invalid configuration:\n  S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither");
  }
  // loaded only for s3:// (about 20 MB of resident memory that a file-backed worker does not need)
  const { createS3Storage } = require("./s3-storage") as typeof import("./s3-storage");
  return createS3Storage({
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ""),
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
    logger,
  });
}
