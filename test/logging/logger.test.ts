import { Writable } from "node:stream";
import { createLogger } from "../../src/logging/logger";

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join("").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("logs", () => {
  it("mask phone numbers and never write secrets", () => {
    const { stream, lines } = capture();
    const logger = createLogger("info", {}, stream);

    logger.info({ caller: "008613812345678", session: { Callee: "13987654321", EndpointUser: "agent@example.com" }, password: "hunter2:x" }, "call");
    logger.info({ config: { OAUTH_TOKEN_SECRET: "0123456789abcdef0123456789abcdef", TCCC_SECRET_KEY: "key" } }, "config");

    const [call, config] = lines();
    expect(call).toMatchObject({ caller: "***********5678", session: { Callee: "*******4321", EndpointUser: "agent@example.com" }, password: "[redacted]" });
    expect(config?.config).toEqual({ OAUTH_TOKEN_SECRET: "[redacted]", TCCC_SECRET_KEY: "[redacted]" });
  });
});
