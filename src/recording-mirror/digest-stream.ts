import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { RecordingTooLargeError, TransientSourceError } from "./mirror-errors";

/**
 * Passes bytes through while counting them and hashing them, so size and sha256 describe exactly what the store
 * received. A body shorter or longer than its Content-Length fails at the end, before the store can complete the
 * object; a body that grows past `maxBytes` fails as soon as it does, so an endless source cannot fill the store.
 */
export class DigestStream extends Transform {
  private readonly hash = createHash("sha256");
  private bytes = 0;
  private digest: string | undefined;

  constructor(
    private readonly expectedLength: number | undefined,
    private readonly maxBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.bytes + chunk.length > this.maxBytes) {
      callback(new RecordingTooLargeError(`refused: the body went past MIRROR_MAX_BYTES (${this.maxBytes} bytes) and had not ended`));
      return;
    }
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedLength !== undefined && this.bytes !== this.expectedLength) {
      callback(new TransientSourceError(`body had ${this.bytes} bytes, Content-Length said ${this.expectedLength}`));
      return;
    }
    this.digest = this.hash.digest("hex");
    callback();
  }

  get bytesSeen(): number {
    return this.bytes;
  }

  /** Size and hex sha256 of the whole body; only once the stream ended without error. */
  result(): { sizeBytes: number; sha256: string } {
    if (this.digest === undefined) throw new Error("DigestStream.result() before the body ended");
    return { sizeBytes: this.bytes, sha256: this.digest };
  }
}
