import type pg from "pg";

export interface AnalystRoleOptions {
  role: string;
  password: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class AnalystRoleError extends Error {
  override readonly name = "AnalystRoleError";
}

/**
 * Creates (or brings up to date) a LOGIN role that can read every table and view of the schema `public` of the
 * connected database and change nothing. Run it as the role that runs the migrations: default privileges only cover
 * tables that role creates later, so new tables and views become readable without running this again.
 *
 * No table holds secrets today (tokens are signed, not stored; credentials live in the environment). A table that
 * ever does must be revoked from analysts here, since the default privileges would otherwise grant it.
 */
export async function createAnalystRole(client: pg.Client, { role, password }: AnalystRoleOptions): Promise<"created" | "updated"> {
  if (!ROLE_NAME.test(role)) throw new AnalystRoleError(`role name ${JSON.stringify(role)} must be lower-case letters, digits and _`);
  if (password.length < 12) throw new AnalystRoleError("the password must be at least 12 characters");
  const name = client.escapeIdentifier(role);
  const { rows } = await client.query<{ database: string; exists: boolean }>(
    "SELECT current_database() AS database, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists",
    [role],
  );
  const { database, exists } = rows[0]!;
  // role options and passwords cannot be bind parameters: the name is checked above, the password escaped
  const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`;
  await client.query("BEGIN");
  try {
    await client.query(`${exists ? "ALTER" : "CREATE"} ROLE ${name} ${attributes}`);
    // a second line of defence: even a grant made by mistake later cannot be used to write
    await client.query(`ALTER ROLE ${name} SET default_transaction_read_only = on`);
    await client.query(`GRANT CONNECT ON DATABASE ${client.escapeIdentifier(database)} TO ${name}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${name}`);
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${name}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${name}`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
  return exists ? "updated" : "created";
}

/** Removes the role and everything granted to it in this database (other databases must be cleaned the same way). */
export async function dropAnalystRole(client: pg.Client, role: string): Promise<void> {
  const name = client.escapeIdentifier(role);
  await client.query(`DROP OWNED BY ${name}`);
  await client.query(`DROP ROLE ${name}`);
}
