/**
 * Ids that the readable part of an object key cannot tell apart: each group becomes the same key segment once
 * sanitized (unsafe characters to `_`, leading dots to `_`, at most 100 characters), or differs only in case, which a
 * case-insensitive file system does not see. Every id in a group must still get its own object.
 */
const sharedPrefix = "s".repeat(100);

export const COLLIDING_SESSION_IDS: Record<string, string[]> = {
  "a separator against the character it is sanitized to": ["col/a", "col_a", "col\\a", "col a", "col:a", "col?a", "col#a", "col%2Fa"],
  "dot names": ["..", ".", "...", "_", "/", "./", "../..", ""],
  "a shared 100-character prefix": [`${sharedPrefix}a`, `${sharedPrefix}b`, `${sharedPrefix}${"x".repeat(900)}`],
  "case only": ["Session-ABC", "session-abc", "SESSION-abc"],
  "non-ASCII letters of one length": ["会话", "通话", "ü", "ö", "é", "😀", "😁"],
  "Unicode normalization forms": ["caf\u00e9", "cafe\u0301"],
  "control and zero-width characters": ["a\tb", "a\nb", "a\u200bb", "a\u00a0b", "ab\r"],
};

/** RecordIds (the readable part of the file name) that collide the same way, within one session. */
export const COLLIDING_RECORD_IDS = ["r/1", "r_1", "r:1", "R_1", `${"r".repeat(100)}1`, `${"r".repeat(100)}2`];
