import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { TransientSourceError } from "./mirror-errors";

/**
 * Passes bytes through while counting them and hashing them, so size and sha256 describe exactly what the store
 * received. A body shorter or longer than its Content-Length fails at the end, before the store can complete the
 * object.
 */
export class DigestStream extends Transform {
  private readonly hash = createHash("sha256");
  private bytes = 0;
  private digest: string | undefined;

  constructor(private readonly expectedLength: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
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
