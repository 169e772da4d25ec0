import { ConfigError, loadConfig } from "../../src/config/env";

describe("configuration", () => {
  it("starts from localhost defaults when nothing is set", () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      ROLE: "all",
      PORT: 3000,
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/tccc",
      REDIS_URL: "redis://127.0.0.1:6379",
      PUSH_AUTH: "none",
    });
  });

  it("names every wrong variable in the error", () => {
    const attempt = () => loadConfig({ PORT: "eighty", ROLE: "everything", DATABASE_URL: "mysql://localhost/db" });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^ {2}PORT: /m);
    expect(attempt).toThrow(/^ {2}ROLE: Invalid option/m);
    expect(attempt).toThrow(/^ {2}DATABASE_URL: /m);
  });

  it("requires the credentials of the chosen push authentication", () => {
    const attempt = () => loadConfig({ PUSH_AUTH: "oauth2", OAUTH_CLIENT_ID: "tccc", OAUTH_TOKEN_SECRET: "short" });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/OAUTH_TOKEN_SECRET: must be at least 32 characters/);
  });

  it("says which variable a mode requires", () => {
    expect(() => loadConfig({ PUSH_AUTH: "basic", PUSH_BASIC_USER: "tccc" })).toThrow(/PUSH_BASIC_PASSWORD: required when PUSH_AUTH=basic/);
  });

  it("treats an empty value as unset", () => {
    expect(loadConfig({ PORT: "", LOG_LEVEL: "" })).toMatchObject({ PORT: 3000, LOG_LEVEL: "info" });
  });
});
