import { link, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { INCOMING_DIR, createFileStorage } from "../../src/recording-mirror/storage/file-storage";
import { MIRROR_LEASE_MS } from "../../src/recording-mirror/mirror-track";
import { startTestService } from "../support/test-service";

describe("half-written files that a killed copy left in .incoming", () => {
  let dir: string;
  let incoming: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "abandoned-"));
    incoming = path.join(dir, INCOMING_DIR);
    await mkdir(incoming);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A file in .incoming last written `ageMs` ago. */
  async function partFile(name: string, ageMs: number): Promise<string> {
    const file = path.join(incoming, name);
    await writeFile(file, "half a recording");
    const when = new Date(Date.now() - ageMs);
    await utimes(file, when, when);
    return file;
  }

  it("are removed once older than the given age; younger ones (a live copy's) and published objects stay", async () => {
    await partFile("killed.part", 10 * 60_000);
    await partFile("live.part", 1000);
    // killed after publishing and before removing its temporary name: the object and the .part are one file
    await mkdir(path.join(dir, "1400482256"));
    const published = path.join(dir, "1400482256", "call.mp3");
    await link(await partFile("published.part", 10 * 60_000), published);

    const removed = await createFileStorage(dir).removeAbandoned!(MIRROR_LEASE_MS);

    expect(removed).toBe(2);
    expect(await readdir(incoming)).toEqual(["live.part"]);
    expect(await readFile(published, "utf8")).toBe("half a recording");
  });

  it("are removed when a mirror worker starts, and by every sweep", async () => {
    await partFile("killed.part", MIRROR_LEASE_MS + 60_000);
    await partFile("live.part", 1000);

    const service = await startTestService({
      MIRROR_ENABLED: "true",
      STORAGE_URL: pathToFileURL(dir).href,
      MIRROR_SWEEP_INTERVAL_MS: "200",
      // the sweep must not take other test files' pending rows: none is ten years old
      MIRROR_SWEEP_MIN_AGE_MS: String(10 * 365 * 86_400_000),
    });
    try {
      expect(await readdir(incoming)).toEqual(["live.part"]);

      await partFile("killed-later.part", MIRROR_LEASE_MS + 60_000);
      const deadline = Date.now() + 10_000;
      while ((await readdir(incoming)).includes("killed-later.part") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

      expect(await readdir(incoming)).toEqual(["live.part"]);
    } finally {
      await service.stop();
    }
  });

  it("are nothing to remove when no copy ever ran", async () => {
    await rm(incoming, { recursive: true });

    await expect(createFileStorage(dir).removeAbandoned!(MIRROR_LEASE_MS)).resolves.toBe(0);
  });
});
