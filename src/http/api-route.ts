import type { Router } from "express";
import type { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from "zod-openapi";
import { validate } from "./validate";

type Schema = z.ZodType;
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One JSON API route, declared once: its input schemas validate the request, the same schemas (and the response's)
 * describe it in the OpenAPI document, and the handler is a plain function of the parsed input.
 */
export interface ApiRoute<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, R extends Schema> {
  /** The OpenAPI operationId. */
  id: string;
  method: "get" | "post";
  /** Express syntax (`/admin/pushes/:pushUuid/replay`). */
  path: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Whether the body may be left out (it then parses as `{}`). */
  bodyOptional?: boolean;
  response: { status: 200 | 201 | 202; description: string; schema: R };
  /** Error answers particular to this route, besides those every route of the surface may give. */
  errors?: Record<number, string>;
  handle(input: { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> }): Promise<z.input<R>>;
}

// the route list is heterogeneous: each route is checked against its own schemas where it is defined
export type AnyApiRoute = ApiRoute<any, any, any, Schema>;

/** Infers a route's types from its schemas. */
export function defineRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined, R extends Schema = Schema>(
  route: ApiRoute<P, Q, B, R>,
): ApiRoute<P, Q, B, R> {
  return route;
}

export function mountApiRoutes(router: Router, routes: AnyApiRoute[]): void {
  for (const route of routes) {
    router[route.method](route.path, async (req, res) => {
      const input = {
        params: route.params ? validate(route.params, req.params, "path") : undefined,
        query: route.query ? validate(route.query, req.query, "query") : undefined,
        body: route.body ? validate(route.body, req.body ?? {}, "body") : undefined,
      };
      res.status(route.response.status).json(await route.handle(input));
    });
  }
}

/** `/admin/pushes/:pushUuid/replay` → `/admin/pushes/{pushUuid}/replay` */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, "{$1}");

export interface ErrorAnswers {
  /** The body of every error answer, and its media type. */
  contentType: string;
  schema: Schema;
  /** Statuses every route may answer, with what they mean; 400 only applies to routes that take input, 413 to those with a body. */
  common: Record<number, string>;
}

export function openApiPaths(routes: AnyApiRoute[], errors: ErrorAnswers): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const takesInput = Boolean(route.params || route.query || route.body);
    const errorStatuses = { ...errors.common, ...route.errors };
    if (!takesInput && !route.errors?.[400]) delete errorStatuses[400];
    if (!route.body && !route.errors?.[413]) delete errorStatuses[413];
    const responses = Object.fromEntries([
      [route.response.status, { description: route.response.description, content: { "application/json": { schema: route.response.schema } } }],
      ...Object.entries(errorStatuses).map(([status, description]) => [status, { description, content: { [errors.contentType]: { schema: errors.schema } } }]),
    ]) as ZodOpenApiResponsesObject;
    const operation: ZodOpenApiOperationObject = {
      operationId: route.id,
      summary: route.summary,
      description: route.description,
      requestParams: {
        ...(route.params ? { path: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
      },
      requestBody: route.body ? { required: !route.bodyOptional, content: { "application/json": { schema: route.body } } } : undefined,
      responses,
    };
    paths[openApiPath(route.path)] = { ...paths[openApiPath(route.path)], [route.method]: operation };
  }
  return paths;
}
