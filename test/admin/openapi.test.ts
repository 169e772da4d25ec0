import type { Express } from "express";
import { startTestService, type TestService } from "../support/test-service";

const ADMIN_TOKEN = "admin-token-for-openapi-tests-01";

interface RouteSeen {
  method: string;
  path: string;
}

/** Every route registered on the express application, with the path prefixes of the routers it sits in. */
function registeredRoutes(app: Express): RouteSeen[] {
  const routes: RouteSeen[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; name?: string; rawPath?: string; slash?: boolean; handle: { stack?: Layer[] } };
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) routes.push({ method, path: `${prefix}${layer.route.path}` });
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, layer.slash || !layer.rawPath ? prefix : `${prefix}${layer.rawPath}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return routes;
}

/** Routes under /admin that are not the JSON API: the page (HTML forms), the queue board, the document itself. */
const NOT_API = [/^\/admin$/, /^\/admin\/login$/, /^\/admin\/logout$/, /^\/admin\/ui\//, /^\/admin\/queues(\/|$)/, /^\/admin\/openapi\.json$/];

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("the admin API's OpenAPI document", () => {
  let service: TestService;
  let document: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>> };
  beforeAll(async () => {
    service = await startTestService({ ADMIN_TOKEN });
    const response = await fetch(`${service.url}/admin/openapi.json`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    document = (await response.json()) as typeof document;
  });
  afterAll(() => service.stop());

  it("is OpenAPI 3.1, behind the admin token like the API it describes", async () => {
    expect(document.openapi).toBe("3.1.0");
    expect((await fetch(`${service.url}/admin/openapi.json`)).status).toBe(401);
  });

  it("describes every admin API route the service has registered, and no route it does not have", () => {
    const apiRoutes = registeredRoutes(service.app!).filter((route) => route.path.startsWith("/admin") && !NOT_API.some((pattern) => pattern.test(route.path)));
    expect(apiRoutes.length).toBeGreaterThanOrEqual(7);

    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const registered = apiRoutes.map((route) => `${route.method.toUpperCase()} ${toOpenApiPath(route.path)}`);

    expect([...documented].sort()).toEqual([...new Set(registered)].sort());
  });

  it("names each path parameter, and the problem details every error answers with", () => {
    const replay = document.paths["/admin/pushes/{pushUuid}/replay"]?.post;
    expect(replay?.parameters).toEqual([expect.objectContaining({ in: "path", name: "pushUuid" })]);
    expect(replay?.responses["404"]).toMatchObject({ content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });
  });
});
