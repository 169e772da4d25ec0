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

  it("passes TRUST_PROXY to express as hops or addresses, and refuses to trust every hop", () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "1" }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8,fd00::1" }).TRUST_PROXY).toEqual(["loopback", "10.0.0.0/8", "fd00::1"]);
    expect(() => loadConfig({ TRUST_PROXY: "true" })).toThrow(/TRUST_PROXY: must be the number of proxies in front/);
    expect(() => loadConfig({ TRUST_PROXY: "loopback,proxy.example" })).toThrow(/not understood: proxy\.example/);
  });

  it("keeps METRICS_PORT apart from PORT", () => {
    expect(() => loadConfig({ PORT: "3000", METRICS_PORT: "3000" })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(loadConfig({ METRICS_PORT: "9464" }).METRICS_PORT).toBe(9464);
  });

  it("bounds the work of one mirror attempt: 2 GiB and an hour by default, within what S3 parts and timers allow", () => {
    expect(loadConfig({})).toMatchObject({ MIRROR_MAX_BYTES: 2 * 1024 ** 3, MIRROR_ATTEMPT_DEADLINE_MS: 3_600_000 });
    expect(() => loadConfig({ MIRROR_MAX_BYTES: String(10_000 * 5 * 1024 * 1024 + 1) })).toThrow(/MIRROR_MAX_BYTES: must be at most 52428800000 \(10,000 S3 parts of 5 MiB\)/);
    expect(() => loadConfig({ MIRROR_ATTEMPT_DEADLINE_MS: "604800001" })).toThrow(/MIRROR_ATTEMPT_DEADLINE_MS: must be at most 604800000 \(7 days\)/);
  });
});
