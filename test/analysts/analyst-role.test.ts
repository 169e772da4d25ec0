import { randomBytes } from "node:crypto";
import pg from "pg";
import { AnalystRoleError, createAnalystRole, dropAnalystRole } from "../../src/persistence/analyst-role";
import { TEST_DATABASE_URL } from "../support/test-env";

describe("the analysts' read-only role", () => {
  const role = `analyst_test_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const laterTable = `analyst_later_${randomBytes(4).toString("hex")}`;
  const owner = new pg.Client({ connectionString: TEST_DATABASE_URL });
  let analyst: pg.Client;

  beforeAll(async () => {
    await owner.connect();
    expect(await createAnalystRole(owner, { role, password })).toBe("created");
    // a table added after the grant, as a later migration would
    await owner.query(`CREATE TABLE ${laterTable} (id int)`);
    const url = new URL(TEST_DATABASE_URL);
    url.username = role;
    url.password = password;
    analyst = new pg.Client({ connectionString: url.toString() });
    await analyst.connect();
  });

  afterAll(async () => {
    await analyst?.end();
    await owner.query(`DROP TABLE IF EXISTS ${laterTable}`);
    await dropAnalystRole(owner, role);
    await owner.end();
  });

  const sqlState = (statement: string) => analyst.query(statement).then(() => "ok", (error: { code?: string }) => error.code);

  it("logs in and reads the tables, the views and tables created after it", async () => {
    for (const relation of ["push_inbox", "call_sessions", "call_participants", "recordings", "reconcile_runs", "call_facts", "daily_skill_group_totals", laterTable]) {
      expect([relation, await sqlState(`SELECT * FROM ${relation} LIMIT 1`)]).toEqual([relation, "ok"]);
    }
  });

  it("changes nothing: its sessions are read-only", async () => {
    expect(await sqlState("INSERT INTO push_inbox (push_uuid, action, body, status) VALUES ('x', 'cdr', '{}', 'failed')")).toBe("25006");
    expect(await sqlState("UPDATE call_sessions SET caller = NULL")).toBe("25006");
    expect(await sqlState("DELETE FROM recordings")).toBe("25006");
    expect(await sqlState(`CREATE TABLE ${laterTable}_mine (id int)`)).toBe("25006");
  });

  it("changes nothing even after switching read-only off: it holds no write privilege", async () => {
    await analyst.query("SET default_transaction_read_only = off");

    expect(await sqlState("INSERT INTO push_inbox (push_uuid, action, body, status) VALUES ('x', 'cdr', '{}', 'failed')")).toBe("42501");
    expect(await sqlState("UPDATE call_sessions SET caller = NULL")).toBe("42501");
    expect(await sqlState("DELETE FROM recordings")).toBe("42501");
    expect(await sqlState("TRUNCATE reconcile_runs")).toBe("42501");
    expect(await sqlState(`CREATE TABLE ${laterTable}_mine (id int)`)).toBe("42501");
  });

  it("can be run again, to change the password, without a second role", async () => {
    expect(await createAnalystRole(owner, { role, password })).toBe("updated");
  });

  it("refuses a role name that would need quoting, and a short password", async () => {
    await expect(createAnalystRole(owner, { role: 'x"; DROP TABLE push_inbox; --', password })).rejects.toThrow(AnalystRoleError);
    await expect(createAnalystRole(owner, { role: "analyst_short", password: "short" })).rejects.toThrow(/at least 12/);
  });
});
