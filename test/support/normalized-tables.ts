/**
 * The normalized rows of one application, in a form two applications can be compared by: what a delivery or a
 * reconciliation produced, without what differs by nature (surrogate ids, the application id, row timestamps).
 */
export type RunQuery = (sql: string, params: unknown[]) => Promise<{ row: string }[]>;

export interface NormalizedTables {
  callSessions: string[];
  callParticipants: string[];
  recordings: string[];
}

/** Columns that say when or under which id a row was written, not what it says about the call. */
const VOLATILE_COLUMNS = ["id", "sdk_app_id", "created_at", "updated_at", "mirrored_at"];
const TABLES = { callSessions: "call_sessions", callParticipants: "call_participants", recordings: "recordings" } as const;

/** `alsoLeaveOut`: further columns the comparison is not about (e.g. `source`, which channel came first). */
export async function normalizedTables(query: RunQuery, sdkAppId: number | bigint, alsoLeaveOut: string[] = []): Promise<NormalizedTables> {
  const read = async (table: string) => {
    // rows as jsonb text, sorted: equal tables give equal arrays, and a difference shows as one readable line
    const rows = await query(`SELECT (to_jsonb(t) - $2::text[])::text AS row FROM ${table} t WHERE sdk_app_id = $1::bigint ORDER BY 1`, [
      String(sdkAppId),
      [...VOLATILE_COLUMNS, ...alsoLeaveOut],
    ]);
    return rows.map((result) => result.row);
  };
  // one after the other: a single pg Client must not be given a query while it runs another
  const tables: Partial<NormalizedTables> = {};
  for (const [name, table] of Object.entries(TABLES) as [keyof NormalizedTables, string][]) tables[name] = await read(table);
  return tables as NormalizedTables;
}
