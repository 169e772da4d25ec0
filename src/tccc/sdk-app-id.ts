import { z } from "zod";

/**
 * A TCCC application id (SdkAppId): a bigint everywhere inside the service, checked here and nowhere else. The range is
 * that of the PostgreSQL BIGINT columns that store it (TCCC's ids are around 1.4e9 today, but nothing promises that
 * they stay below 2^53).
 */
export const SDK_APP_ID_MAX = 2n ** 63n - 1n;

export const SDK_APP_ID_RULE = "a positive integer up to 2^63-1";

/**
 * The decimal text (surrounding spaces aside) or the JSON number form; undefined when the value is not an id. A number
 * beyond 2^53 is refused: JSON.parse has already rounded it, and a rounded id names another application.
 */
export function parseSdkAppId(value: unknown): bigint | undefined {
  const digits =
    typeof value === "bigint" ? value.toString() : typeof value === "number" && Number.isSafeInteger(value) ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d{1,19}$/.test(digits)) return undefined;
  const id = BigInt(digits);
  return id >= 1n && id <= SDK_APP_ID_MAX ? id : undefined;
}

/**
 * The id where it crosses JSON (admin requests and answers, job payloads in Redis): read from its decimal text or a
 * JSON number (jobs queued by versions that kept it as a number), written back as decimal text.
 */
export const sdkAppIdField = z
  .codec(z.union([z.string(), z.number()]), z.bigint(), {
    decode: (value, ctx) => {
      const id = parseSdkAppId(value);
      if (id === undefined) ctx.issues.push({ code: "custom", message: `must be an application id (${SDK_APP_ID_RULE})`, input: value });
      return id ?? 0n;
    },
    encode: (id) => id.toString(),
  })
  .meta({ description: `an application id (${SDK_APP_ID_RULE}), as decimal text or a JSON number` });
