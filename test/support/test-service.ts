import { randomInt, randomUUID } from "node:crypto";
import { createLogger } from "../../src/logging/logger";
import { startService, type RunningService } from "../../src/service";
import { testConfig } from "./test-env";

export interface TestService extends RunningService {
  url: string;
  push(action: string, body: unknown, options?: { pushUuid?: string; headers?: Record<string, string> }): Promise<PushAnswer>;
}

export interface PushAnswer {
  status: number;
  body: { ErrCode: number; ErrMsg: string };
  headers: Headers;
}

/** Starts the real service in this process, listening on a free loopback port. */
export async function startTestService(overrides: Record<string, string> = {}): Promise<TestService> {
  const config = testConfig(overrides);
  const service = await startService(config, createLogger(config.LOG_LEVEL));
  const url = service.url;
  if (!url) throw new Error("test service has no HTTP server");
  return {
    ...service,
    url,
    async push(action, body, options = {}) {
      const response = await fetch(`${url}/tccc/push?action=${encodeURIComponent(action)}&version=1`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json;charset=utf8",
          ...(options.pushUuid ? { "X-TCCC-PUSH-UUID": options.pushUuid } : {}),
          ...options.headers,
        },
        body: typeof body === "string" ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as PushAnswer["body"], headers: response.headers };
    },
  };
}

/** A fresh application id per test keeps tests independent of each other's rows. */
export function uniqueSdkAppId(): number {
  return randomInt(1_000_000_000, 281_474_976_710_655);
}

export function uniqueSessionId(): string {
  return randomUUID();
}
