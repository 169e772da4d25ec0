import { createHash } from "node:crypto";
import path from "node:path";
import { maskPhone } from "../logging/logger";

/**
 * Object keys a person can browse and a lifecycle rule can target by prefix:
 *   <sdkAppId>/<yyyy>/<mm>/<dd>/<sessionId>/<kind>-<recordId>-<endpoint>-<identity digest>.<ext>
 * The date is the recording's, in UTC. A customer's phone number is masked to its last four digits: object listings
 * travel to places (access logs, inventories) with weaker access rules than the database.
 *
 * The readable parts are sanitized and shortened, so on their own two tracks could share them ("col/a" and "col_a",
 * "..", and "/" all become "_"; ids sharing their first 100 characters become equal). The digest of the exact identity
 * keeps the key one-to-one with the track. A key is computed once per mirror and stored on the row, so changing this
 * function changes only where tracks mirrored afterwards go; it must still give the same key for the same track from
 * one release to the next, or a retry after a crash would not find the object it had already written.
 */
export interface TrackIdentity {
  sdkAppId: bigint;
  sessionId: string;
  kind: string;
  trackKey: string;
  recordId: string | null;
  endpointUser: string | null;
  recordedAt: Date | null;
  createdAt: Date;
}

const AUDIO_TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  wav: "audio/wav",
  m4a: "audio/mp4",
  aac: "audio/aac",
  ogg: "audio/ogg",
  opus: "audio/opus",
  amr: "audio/amr",
  flac: "audio/flac",
  webm: "audio/webm",
};
const EXTENSIONS_BY_TYPE: Record<string, string> = {
  ...Object.fromEntries(Object.entries(AUDIO_TYPES).map(([extension, type]) => [type, extension])),
  "audio/mp3": "mp3",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/x-m4a": "m4a",
};
const UNKNOWN = { extension: "bin", contentType: "application/octet-stream" };

export interface ObjectFormat {
  extension: string;
  contentType: string;
}

/** The URL's file extension wins (COS often answers application/octet-stream); a specific response type comes next. */
export function objectFormat(sourceUrl: URL, responseType: string | undefined): ObjectFormat {
  const fromUrl = path.posix.extname(sourceUrl.pathname).slice(1).toLowerCase();
  const urlType = AUDIO_TYPES[fromUrl];
  if (urlType) return { extension: fromUrl, contentType: urlType };
  const mediaType = responseType?.split(";")[0]?.trim().toLowerCase() ?? "";
  const typeExtension = EXTENSIONS_BY_TYPE[mediaType];
  return typeExtension ? { extension: typeExtension, contentType: mediaType } : UNKNOWN;
}

export function objectKey(track: TrackIdentity, format: ObjectFormat): string {
  const date = (track.recordedAt ?? track.createdAt).toISOString();
  const [year, month, day] = [date.slice(0, 4), date.slice(5, 7), date.slice(8, 10)];
  const name = [track.kind, track.recordId ?? track.trackKey, maskPhone(track.endpointUser ?? undefined) || "unknown"].map(segment).join("-");
  return [track.sdkAppId.toString(), year, month, day, segment(track.sessionId), `${name}-${identityDigest(track)}.${format.extension}`].join("/");
}

/**
 * 64 bits, in lowercase hex so that keys stay distinct on a case-insensitive file system. Two tracks would need the
 * same readable parts and the same 64 bits to meet, and even then the publish refuses to replace the first object.
 */
const DIGEST_HEX_CHARS = 16;

/**
 * Digest of the row's unique identity, (sdk_app_id, session_id, kind, track_key), exactly as stored. A JSON array is
 * an unambiguous encoding of the tuple (no separator inside a value can shift a boundary), and JSON.stringify escapes
 * lone surrogates instead of replacing them, so distinct JavaScript strings never encode alike.
 */
function identityDigest(track: TrackIdentity): string {
  const identity = JSON.stringify([track.sdkAppId.toString(), track.sessionId, track.kind, track.trackKey]);
  return createHash("sha256").update(identity, "utf8").digest("hex").slice(0, DIGEST_HEX_CHARS);
}

/** Keeps keys portable across file systems and S3 tools: no separators, no dot-only names, bounded length. */
function segment(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9._@+-]/g, "_").replace(/^\.+/, "_").slice(0, 100);
  return safe === "" ? "_" : safe;
}
