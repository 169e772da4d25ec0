/**
 * Creates a read-only PostgreSQL role for analysts on the database of DATABASE_URL (see src/persistence/analyst-role.ts).
 * Usage: npm run db:analyst-role -- <role> [password]
 * Without a password argument it takes ANALYST_PASSWORD, or makes one up and prints it once: a password typed on the
 * command line stays in the shell history.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadConfig } from "../src/config/env";
import { AnalystRoleError, createAnalystRole } from "../src/persistence/analyst-role";

async function main(): Promise<void> {
  const [role, passwordArgument] = process.argv.slice(2);
  if (!role) {
    console.error("usage: npm run db:analyst-role -- <role> [password]   (or ANALYST_PASSWORD in the environment)");
    process.exit(2);
  }
  const given = passwordArgument ?? process.env.ANALYST_PASSWORD;
  const password = given ?? randomBytes(18).toString("base64url");
  const client = new pg.Client({ connectionString: loadConfig().DATABASE_URL });
  await client.connect();
  try {
    const outcome = await createAnalystRole(client, { role, password });
    console.log(`${outcome} read-only role ${role} on database ${client.database}`);
    if (given === undefined) console.log(`password: ${password}`);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof AnalystRoleError ? error.message : error);
  process.exit(error instanceof AnalystRoleError ? 2 : 1);
});
