import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DurableFileSink } from "../../src/recording-mirror/storage/file-sink";
import { createFileStorage } from "../../src/recording-mirror/storage/file-storage";
import { incomingObject } from "./support/incoming-object";

describe("the file backend's write path", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "file-sink-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** 70 MB in uneven chunks: crosses the background-sync threshold twice and the write buffer many times. */
  function body(): { stream: Readable; sha256: string; size: number } {
    const block = randomBytes(1024 * 1024 + 17);
    const chunks: Buffer[] = [];
    for (let n = 0; n < 70; n++) {
      const start = (n * 7919) % 1000;
      chunks.push(block.subarray(start, start + 65536 + n * 13000));
    }
    const hash = createHash("sha256");
    for (const chunk of chunks) hash.update(chunk);
    return { stream: Readable.from(chunks), sha256: hash.digest("hex"), size: chunks.reduce((sum, chunk) => sum + chunk.length, 0) };
  }

  it("writes every byte in order", async () => {
    const { stream, sha256, size } = body();
    const file = path.join(dir, "out.part");
    await pipeline(stream, new DurableFileSink(file));
    const written = await readFile(file);
    expect(written.length).toBe(size);
    expect(createHash("sha256").update(written).digest("hex")).toBe(sha256);
  });

  it("never writes into a file that already exists", async () => {
    const file = path.join(dir, "taken.part");
    await writeFile(file, "someone else's");
    await expect(pipeline(Readable.from([Buffer.from("new")]), new DurableFileSink(file))).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(file, "utf8")).toBe("someone else's");
  });

  it("leaves neither an object nor a temporary file when the body fails midway", async () => {
    const storage = createFileStorage(dir);
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(40 * 1024 * 1024);
        throw new Error("connection cut");
      })(),
    );
    await expect(storage.put(incomingObject("app/key.mp3", failing))).rejects.toThrow("connection cut");
    expect(await readdir(path.join(dir, ".incoming"))).toEqual([]);
    await expect(readdir(path.join(dir, "app"))).resolves.toEqual([]);
  });

  it("puts the complete object under its key", async () => {
    const { stream, sha256 } = body();
    await createFileStorage(dir).put(incomingObject("app/2026/key.mp3", stream));
    expect(createHash("sha256").update(await readFile(path.join(dir, "app/2026/key.mp3"))).digest("hex")).toBe(sha256);
    expect(await readdir(path.join(dir, ".incoming"))).toEqual([]);
  });
});
