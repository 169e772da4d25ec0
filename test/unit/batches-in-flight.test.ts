import { batchesInFlightPerProcess } from "../../src/push-intake/push-writer";

/** How many batch transactions each HTTP process keeps in flight, by the number of processes on the host. */
describe("batches in flight per process", () => {
  it("is two for a single process, so that the next batch is written while one waits for its commit", () => {
    expect(batchesInFlightPerProcess(1)).toBe(2);
  });

  it("is one per process when several share the host, whose batches already overlap", () => {
    expect([2, 3, 4, 8, 64].map(batchesInFlightPerProcess)).toEqual([1, 1, 1, 1, 1]);
  });
});
