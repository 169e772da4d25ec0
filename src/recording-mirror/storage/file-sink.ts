import { open, type FileHandle } from "node:fs/promises";
import { Writable } from "node:stream";

/**
 * Chunks are gathered up to this many bytes while a write is in flight and then written with one writev: a socket
 * delivers 64 KB at a time, and one system call (and thread-pool hop) per 64 KB showed up in the worker's profile.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;
/**
 * Every this many bytes an fdatasync starts in the background while the copy goes on. The file is fsync'ed before it is
 * renamed in any case; without these, a 1 GB file's whole dirty page cache was written out only at that final fsync,
 * after the last byte arrived (about half a second of the mirror's time), instead of while the network was the limit.
 */
const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * A write stream into a new file (opened with O_EXCL, like flags "wx") that is durable once it finishes: `finish`
 * comes only after a full fsync of the file. The caller still renames it into place and syncs the directory.
 */
export class DurableFileSink extends Writable {
  private handle: FileHandle | undefined;
  private unsyncedBytes = 0;
  private backgroundSync: Promise<void> | undefined;
  /** Kept, not swallowed: the kernel reports a writeback error to one fsync per descriptor, possibly only this one. */
  private syncError: Error | undefined;

  constructor(private readonly path: string) {
    super({ highWaterMark: WRITE_BUFFER_BYTES });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, "wx").then((handle) => {
      this.handle = handle;
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => callback(), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map(({ chunk }) => chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.backgroundSync;
      if (this.syncError) throw this.syncError;
      await this.handle!.sync();
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    // a background fdatasync may still be running on the descriptor: let it end before closing it
    const closed = Promise.resolve(this.backgroundSync)
      .catch(() => undefined)
      .then(() => handle?.close());
    closed.then(() => callback(error), (closeError: Error) => callback(error ?? closeError));
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    if (this.syncError) throw this.syncError;
    let pending = buffers;
    while (pending.length > 0) {
      const total = pending.reduce((sum, buffer) => sum + buffer.length, 0);
      const { bytesWritten } = await this.handle!.writev(pending);
      this.unsyncedBytes += bytesWritten;
      pending = bytesWritten === total ? [] : remainder(pending, bytesWritten);
    }
    if (this.unsyncedBytes >= SYNC_EVERY_BYTES && this.backgroundSync === undefined) {
      this.unsyncedBytes = 0;
      this.backgroundSync = this.handle!.datasync().then(
        () => {
          this.backgroundSync = undefined;
        },
        (error: Error) => {
          this.syncError ??= error;
          this.backgroundSync = undefined;
        },
      );
    }
  }
}

/** What is left of `buffers` after the first `written` bytes (a short write: rare for files, but allowed). */
function remainder(buffers: Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}
