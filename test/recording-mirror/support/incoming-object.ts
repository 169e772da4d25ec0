import { Readable } from "node:stream";
import { DigestStream } from "../../../src/recording-mirror/digest-stream";
import type { IncomingObject } from "../../../src/recording-mirror/storage/recording-storage";

/** What the mirror hands a backend: the body through the same counter and hash, so digest() is the body's own. */
export function incomingObject(key: string, body: Readable | Buffer, options: { signal?: AbortSignal } = {}): IncomingObject {
  const counted = new DigestStream(undefined, Number.MAX_SAFE_INTEGER);
  const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  source.on("error", (error) => counted.destroy(error));
  // as in the mirror: the backend learns of a failed body from its own end of the pipe, maybe only after an await
  counted.on("error", () => undefined);
  return { key, body: source.pipe(counted), contentType: "audio/mpeg", digest: () => counted.result(), signal: options.signal };
}
