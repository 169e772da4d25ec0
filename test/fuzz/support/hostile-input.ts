import fc from "fast-check";

/**
 * Arbitraries for input a push endpoint must survive: values of every JSON type where another is expected, numbers
 * written as strings, long strings, deep nesting, and keys that reach into prototypes when code copies objects
 * carelessly.
 */

/** Keys that pollute Object.prototype if a merge or assignment walks into them. */
export const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** An object with a dangerous key as an own property (a plain `{__proto__: x}` literal would set the prototype). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return Object.defineProperty({ ...target }, key, { value, enumerable: true, configurable: true, writable: true });
}

/** What a careless merge would plant on Object.prototype; a test then looks for `polluted`. */
export const pollutingValue = fc.constantFrom<unknown>(
  { polluted: "yes" },
  { prototype: { polluted: "yes" } },
  withOwnKey({}, "__proto__", { polluted: "yes" }),
  { constructor: { prototype: { polluted: "yes" } } },
);

const numberAsString = fc.oneof(fc.integer().map(String), fc.double({ noNaN: true }).map(String), fc.constantFrom("1e400", "-0", "0x10", " 42 ", "１２"));

/** A value of any JSON type, biased towards what parsers get wrong. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER + 2, 1e308, -1),
    numberAsString,
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ minLength: 1000, maxLength: 5000 }),
    pollutingValue,
    fc.array(tie("value"), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PROTOTYPE_KEYS)), tie("value")), { maxLength: 4 })
      .map((entries) => entries.reduce<Record<string, unknown>>((object, [key, value]) => withOwnKey(object, key, value), {})),
  ),
})).value;

/**
 * A payload of the expected shape with some fields given hostile values and perhaps a prototype key added: deep
 * enough into the schema to reach normalization, not only the JSON parser.
 */
export function mangled(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(valid);
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...keys), hostileValue), { maxLength: 4 }),
      fc.option(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.oneof(pollutingValue, hostileValue))),
    )
    .map(([replacements, extra]) => {
      let payload: Record<string, unknown> = { ...valid };
      for (const [key, value] of replacements) payload = withOwnKey(payload, key, value);
      return extra ? withOwnKey(payload, extra[0], extra[1]) : payload;
    });
}

const nestingShapes = {
  arrays: (depth: number) => "[".repeat(depth) + "]".repeat(depth),
  objects: (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth),
  /** Arrays of one object of one array...: both of a parser's container paths in one value. */
  alternating: (depth: number) => {
    const levels = Array.from({ length: depth }, (_, level) => level % 2 === 0);
    return levels.map((array) => (array ? "[" : '{"a":')).join("") + '"leaf"' + levels.reverse().map((array) => (array ? "]" : "}")).join("");
  },
};

/** JSON text nested between `minDepth` and `maxDepth` levels deep, in arrays, objects or both. */
export function nestedJson(minDepth: number, maxDepth: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: minDepth, max: maxDepth }), fc.constantFrom(...Object.values(nestingShapes)))
    .map(([depth, shape]) => shape(depth));
}

/** From shallow to beyond what PostgreSQL's JSON parser takes (about 13,000 levels with max_stack_depth 2MB). */
export const deeplyNested = nestedJson(100, 20_000);

/** Own property names of the built-in prototypes: compared before and after hostile input. */
export function prototypeSnapshot(): string[] {
  return [Object.prototype, Array.prototype, Function.prototype].flatMap((proto) => Object.getOwnPropertyNames(proto).sort());
}
