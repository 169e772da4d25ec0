import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { adminErrorHandler } from "../../src/admin/admin-errors";
import { createLogger } from "../../src/logging/logger";
import { closedPort } from "../support/ports";
import { startTestService, type TestService } from "../support/test-service";

const ADMIN_TOKEN = "admin-token-for-error-tests-0123";

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Problem & { ErrCode?: unknown };
  expect(body.ErrCode).toBeUndefined();
  expect(body.status).toBe(response.status);
  return body;
}

describe("admin error answers", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ ADMIN_TOKEN, PUSH_BODY_LIMIT_BYTES: "2048" });
  });
  afterAll(() => service.stop());

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${service.url}${path}`, { ...init, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json", ...init.headers } });

  it("tells an admin body over its limit the admin API's limit, not the push limit", async () => {
    const response = await admin("/admin/reconcile", { method: "POST", body: JSON.stringify({ sdkAppId: 1400000000, from: 0, to: 1, padding: "x".repeat(70 * 1024) }) });

    expect(response.status).toBe(413);
    expect(await problemOf(response)).toEqual({ type: "about:blank", title: "Payload Too Large", status: 413, detail: "request body is larger than the admin API's limit of 65536 bytes" });
  });

  it("answers malformed JSON and unknown admin routes in the same shape", async () => {
    const malformed = await admin("/admin/reconcile", { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect((await problemOf(malformed)).detail).toMatch(/^request could not be read: /);

    const unknown = await admin("/admin/nothing-here");
    expect(unknown.status).toBe(404);
    expect((await problemOf(unknown)).detail).toBe("no admin route for GET /admin/nothing-here");
  });

  it("shows a browser the same words on a page", async () => {
    const response = await fetch(`${service.url}/admin/nothing-here`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain('role="alert">no admin route for GET /admin/nothing-here</p>');
  });

  it("keeps TCCC's shape on the push endpoint, with the push limit", async () => {
    const response = await fetch(`${service.url}/tccc/push?action=cdr`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ padding: "x".repeat(4096) }) });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ ErrCode: 1003, ErrMsg: "body is larger than the limit of 2048 bytes" });
  });
});

describe("admin errors of the service's own making", () => {
  it("says PostgreSQL is unavailable, not that a push was not stored", async () => {
    const service = await startTestService({ ADMIN_TOKEN, DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/tccc`, DATABASE_CONNECT_TIMEOUT_MS: "300" });
    try {
      const response = await fetch(`${service.url}/admin/pushes`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

      expect(response.status).toBe(503);
      const problem = await problemOf(response);
      expect(problem.detail).toBe("PostgreSQL is unavailable: nothing was read or changed; retry later");
    } finally {
      await service.stop();
    }
  });

  it("answers an unexpected failure with a 500 that names the request, and keeps the failure itself for the log", async () => {
    const app = express();
    app.get("/admin/broken", (_req, res, next) => {
      res.locals.requestId = "req-42";
      next(new Error("secret internals of the failure"));
    });
    app.use(adminErrorHandler(createLogger("silent")));
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
    });
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/broken`);

      expect(response.status).toBe(500);
      const problem = await problemOf(response);
      expect(problem.detail).toBe("internal error (request id req-42); the details are in the service's log");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
