import fc from "fast-check";
import { stringifyJson, toJsonRows } from "../../src/persistence/sql-json";

describe("stringifyJson", () => {
  it("writes what JSON.stringify writes for any JSON value and for what rows add (undefined, NaN, Dates, sparse arrays)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything({ withDate: true, withNullPrototype: true, withSparseArray: true })), (value) => {
        expect(stringifyJson(value)).toBe(JSON.stringify(value) ?? "null");
      }),
      { numRuns: 500 },
    );
  });

  it("writes bigint as a decimal string, exactly, beyond 2^53", () => {
    expect(toJsonRows([{ sdkAppId: 9_223_372_036_854_775_807n, ids: [1n] }])).toBe('[{"sdkAppId":"9223372036854775807","ids":["1"]}]');
  });

  it("serializes nesting far deeper than the stack allows JSON.stringify, arrays and objects alike", () => {
    const depth = 100_000;
    for (const text of ["[".repeat(depth) + "]".repeat(depth), '{"a":'.repeat(depth) + "1" + "}".repeat(depth)]) {
      const value: unknown = JSON.parse(text);
      expect(() => JSON.stringify(value)).toThrow(RangeError);
      expect(stringifyJson(value)).toBe(text);
    }
  });

  it("rows nested beyond JSON.stringify's reach are serialized whole all the same (toJsonRows falls back to stringifyJson)", () => {
    const depth = 20_000;
    const keys: unknown = JSON.parse("[".repeat(depth) + "]".repeat(depth));
    expect(() => JSON.stringify(keys)).toThrow(RangeError);
    expect(toJsonRows([{ sdkAppId: 1n, ivrKeyPressed: keys }])).toBe(`[{"sdkAppId":"1","ivrKeyPressed":${"[".repeat(depth)}${"]".repeat(depth)}}]`);
  });

  it("refuses a cycle as JSON.stringify does, instead of looping forever", () => {
    const row: Record<string, unknown> = { id: 1 };
    row.self = [row];
    expect(() => stringifyJson(row)).toThrow(TypeError);
  });
});
