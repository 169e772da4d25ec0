import { runCli } from "../support/run-cli";

jest.setTimeout(60_000);

describe("the CLI's usage and exit codes", () => {
  it("--help lists the commands and the exit codes scripts can rely on", async () => {
    const { code, stdout } = await runCli(["--help"]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/replay .*\n\s+reconcile .*\n\s+remirror .*\n\s+status /);
    expect(stdout).toContain("Exit codes:\n  0  success\n  1  the work ran but something failed");
    expect(stdout).toMatch(/2 {2}usage or configuration error/);
    expect(stdout).toMatch(/3 {2}a dependency \(PostgreSQL or Redis\) is unreachable/);
  });

  it("a command's --help describes it, with the exit codes", async () => {
    const { code, stdout } = await runCli(["reconcile", "--help"]);

    expect(code).toBe(0);
    expect(stdout).toContain("npm run cli -- reconcile --sdk-app-id N --from <time> --to <time> [--no-wait]");
    expect(stdout).toContain("Exit codes:");
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["replay"], /give a push uuid, or a filter such as --status failed/],
    [["replay", "--status", "maybe"], /--status: Invalid option/],
    [["replay", "--colour", "red"], /Unknown option '--colour'/],
    [["reconcile", "--sdk-app-id", "1400482256", "--from", "2026-03-01T10:00", "--to", "2026-03-02"], /--from must be unix seconds or ISO 8601 with a zone/],
    [["reconcile", "--from", "2026-03-01", "--to", "2026-03-02"], /--sdk-app-id is required/],
    [["status", "--sdk-app-id", "twelve"], /--sdk-app-id must be an application id/],
  ])("%j is a usage error (exit code 2) that says what is wrong", async (args, message) => {
    const { code, stderr } = await runCli(args);

    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("a wrong configuration is a usage error naming the variable", async () => {
    const { code, stderr } = await runCli(["status"], { REDIS_URL: "http://not-redis" });

    expect(code).toBe(2);
    expect(stderr).toContain("REDIS_URL");
  });

  it("exits with 3 when PostgreSQL is unreachable, naming it but not the credentials", async () => {
    const { code, stderr } = await runCli(["replay", "--status", "failed"], { DATABASE_URL: "postgresql://postgres:s3cret@127.0.0.1:1/tccc" });

    expect(code).toBe(3);
    expect(stderr).toMatch(/^PostgreSQL at 127\.0\.0\.1:1\/tccc is unreachable: /);
    expect(stderr).not.toContain("s3cret");
  });

  it("exits with 3 when Redis is unreachable", async () => {
    const { code, stderr } = await runCli(["status"], { REDIS_URL: "redis://127.0.0.1:1" });

    expect(code).toBe(3);
    expect(stderr).toMatch(/^Redis at 127\.0\.0\.1:1 is unreachable: /);
  });
});
