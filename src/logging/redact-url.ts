/** A connection URL fit for a log line: the password removed, whether in the user info or a `password` parameter. */
export function urlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.searchParams.delete("password");
    return parsed.toString();
  } catch {
    return "(an unparseable URL)";
  }
}
