import { readFileSync } from "node:fs";
import path from "node:path";
import { createDocument } from "zod-openapi";
import { PROJECT_ROOT } from "../config/project-root";
import { openApiPaths, type AnyApiRoute } from "../http/api-route";
import { ADMIN_SESSION_COOKIE } from "./admin-auth";
import { ADMIN_PROBLEM_CONTENT_TYPE, adminProblemSchema } from "./admin-errors";

/** OpenAPI 3.1 description of the admin JSON API, generated from the routes' own zod schemas. */
export function adminOpenApiDocument(routes: AnyApiRoute[], bodyLimitBytes: number) {
  const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "TCCC push receiver: admin API",
      version,
      description: "Failed pushes and their replay, reconciliation runs and backfills, recordings whose mirror failed. Errors are RFC 9457 problem details.",
    },
    security: [{ adminToken: [] }, { adminSession: [] }],
    components: {
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
        adminSession: { type: "apiKey", in: "cookie", name: ADMIN_SESSION_COOKIE, description: "set by signing in on /admin/login; state-changing requests must come from the same origin" },
      },
    },
    paths: openApiPaths(routes, {
      contentType: ADMIN_PROBLEM_CONTENT_TYPE,
      schema: adminProblemSchema,
      common: {
        400: "the input does not match the schema; detail names what is wrong",
        401: "no admin token or session, or a wrong or ended one",
        403: "the admin API is disabled (ADMIN_TOKEN unset), or a cookie-authenticated request came from another origin",
        413: `the body is larger than the admin API's limit of ${bodyLimitBytes} bytes`,
        500: "an internal error; the detail carries the request id to look for in the log",
        503: "PostgreSQL is unavailable; retry later",
      },
    }),
  }, { override: bigintsAsText });
}

/** A bigint (an application id decoded by its codec) cannot travel in JSON: answers carry it as decimal text. */
function bigintsAsText({ jsonSchema, io }: { jsonSchema: Record<string, unknown>; io: "input" | "output" }): void {
  if (io !== "output" || jsonSchema.type !== "integer" || jsonSchema.format !== "int64") return;
  delete jsonSchema.format;
  Object.assign(jsonSchema, { type: "string", pattern: "^\\d{1,19}$" });
}
