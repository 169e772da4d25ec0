import { createGroupCommit } from "../../src/push-intake/group-commit";

/** The group commit's rules with an injected writer, no database: what the push writer relies on. */
describe("group commit", () => {
  const unavailable = new Error("database unavailable");
  const deadlock = new Error("deadlock");

  function recorder(fail: (batch: string[], attempt: number) => Error | undefined = () => undefined) {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    return {
      batches,
      /** Holds every write until release(), so that items pile up behind the one in flight. */
      hold() {
        gate = new Promise((resolve) => (release = resolve));
      },
      release: () => release(),
      async writeBatch(batch: string[]): Promise<string[]> {
        batches.push(batch);
        await gate;
        const error = fail(batch, batches.length);
        if (error) throw error;
        return batch.map((item) => `stored ${item}`);
      },
    };
  }

  const options = (writer: ReturnType<typeof recorder>, maxConcurrentBatches = 1) => ({
    writeBatch: (batch: string[]) => writer.writeBatch(batch),
    failsEveryItem: (error: unknown) => error === unavailable,
    isTransient: (error: unknown) => error === deadlock,
    maxBatch: 100,
    maxConcurrentBatches,
  });

  it("writes an item at once when nothing is in flight, and those arriving meanwhile together in the next batch", async () => {
    const writer = recorder();
    const commit = createGroupCommit(options(writer));
    writer.hold();
    const first = commit.write("a");
    const later = ["b", "c", "d"].map((item) => commit.write(item));
    writer.release();

    await expect(first).resolves.toBe("stored a");
    await expect(Promise.all(later)).resolves.toEqual(["stored b", "stored c", "stored d"]);
    expect(writer.batches).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("when one item fails its batch, writes the others one by one and fails that one alone", async () => {
    const writer = recorder((batch) => (batch.includes("bad") ? new Error("bad value") : undefined));
    const commit = createGroupCommit(options(writer));
    writer.hold();
    void commit.write("first");
    const [good, bad, alsoGood] = [commit.write("good"), commit.write("bad"), commit.write("also good")];
    const badOutcome = bad.catch((error: Error) => error.message);
    writer.release();

    await expect(good).resolves.toBe("stored good");
    await expect(alsoGood).resolves.toBe("stored also good");
    await expect(badOutcome).resolves.toBe("bad value");
    expect(writer.batches).toEqual([["first"], ["good", "bad", "also good"], ["good"], ["bad"], ["also good"]]);
  });

  it("fails the whole batch without retrying item by item when the failure is every item's (database away)", async () => {
    const writer = recorder((batch) => (batch.length > 1 ? unavailable : undefined));
    const commit = createGroupCommit(options(writer));
    writer.hold();
    void commit.write("first");
    const outcomes = ["x", "y"].map((item) => commit.write(item).catch((error: unknown) => error));
    writer.release();

    await expect(Promise.all(outcomes)).resolves.toEqual([unavailable, unavailable]);
    expect(writer.batches).toEqual([["first"], ["x", "y"]]);
  });

  it("tries an item again after a transient conflict, at most three times", async () => {
    const writer = recorder((_batch, attempt) => (attempt <= 3 ? deadlock : undefined));
    const commit = createGroupCommit(options(writer));

    // the batch of one, then its writes alone: attempts 2 and 3 fail, the 4th succeeds
    await expect(commit.write("z")).resolves.toBe("stored z");
    expect(writer.batches).toEqual([["z"], ["z"], ["z"], ["z"]]);

    const always = recorder(() => deadlock);
    await expect(createGroupCommit(options(always)).write("w")).rejects.toBe(deadlock);
    expect(always.batches).toHaveLength(4);
  });

  it("never has more batches in flight than allowed", async () => {
    const writer = recorder();
    const commit = createGroupCommit({ ...options(writer, 2), maxBatch: 2 });
    writer.hold();
    const all = ["1", "2", "3", "4", "5", "6"].map((item) => commit.write(item));
    await new Promise((resolve) => setImmediate(resolve));
    // two in flight, the other four waiting
    expect(writer.batches).toEqual([["1"], ["2"]]);
    writer.release();

    await expect(Promise.all(all)).resolves.toHaveLength(6);
    expect(writer.batches).toEqual([["1"], ["2"], ["3", "4"], ["5", "6"]]);
  });
});
