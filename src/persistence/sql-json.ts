/**
 * Rows travel to PostgreSQL as one JSON parameter, unpacked there by json_to_recordset: the statement text stays the
 * same whatever the number of rows (so it is prepared once per connection) and a batch costs one round trip.
 * bigint becomes a decimal string (JSON has no 64-bit integers); PostgreSQL parses it back into bigint exactly.
 */
export function toJsonRows(rows: readonly object[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}

export const snakeCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** `r(col type, ...)` for json_to_recordset, from a field → SQL type map. */
export function recordsetColumns(types: Record<string, string>): string {
  return Object.entries(types)
    .map(([field, type]) => `"${field}" ${type}`)
    .join(", ");
}
