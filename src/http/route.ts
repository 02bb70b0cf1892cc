import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { ApiError, errorResponseSchema } from './errors';

/** What one status of a route answers: JSON matching `schema`, another `contentType`, or nothing (204). */
export interface ResponseSpec {
  description: string;
  /** The JSON body. Statuses of 400 and above default to the shared error body. */
  schema?: z.ZodType;
  /** A body that is not JSON (`text/html`, `text/event-stream`, …). */
  contentType?: string;
  /** Response headers the answer carries (`ETag`), with what they mean. */
  headers?: Record<string, string>;
}

/**
 * A route as the HTTP kit declares it: method, path, the zod schemas of its input and of each
 * answer. Routers register routes through `routeTo`, which records the declaration, parses the
 * input with those schemas before the handler runs and hands the handler the typed result; the
 * OpenAPI document is built from the same records (src/http/openapi.ts), so a route cannot exist
 * without being documented, nor be documented with other schemas than it uses.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path relative to the router (`/users/:id`). */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request headers the route reads, by their usual spelling (`Idempotency-Key`). */
  headers?: z.ZodObject;
  /** Status → what it means and what it answers. */
  responses: Record<number, ResponseSpec>;
  /**
   * `simulator-session`: the simulator page's session cookie, or the operator's bearer token.
   * `codec-session`: the codec session cookie (POST /codec/session), or a bearer token.
   */
  auth: 'bearer' | 'none' | 'telegram-secret' | 'simulator-session' | 'codec-session';
  /** Handlers that run before the input is parsed: an authentication check, a body parser of the route's own. */
  before?: RequestHandler[];
  /** The error code of a 400 for invalid input (`invalid_request` unless told). */
  invalidInputCode?: string;
}

export interface RegisteredRoute extends RouteSpec {
  /** The full path, with the router's mount point. */
  fullPath: string;
  /** Every status the route may answer, with its schema: the declared ones, 400 for invalid input, and the auth answers. */
  responses: Record<number, ResponseSpec>;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** The route's input, parsed by its schemas. */
export interface RouteInput<S extends RouteSpec> {
  params: Parsed<S['params']>;
  query: Parsed<S['query']>;
  body: Parsed<S['body']>;
  headers: Parsed<S['headers']>;
}

export type RouteHandler<S extends RouteSpec> = (input: RouteInput<S>, req: Request, res: Response) => void | Promise<void>;

/** The `Idempotency-Key` header of operations that move money. */
const idempotencyKeyRule = 'required, 1-128 characters of A-Z a-z 0-9 . _ : -';
export const idempotencyKeyHeaders = z.object({
  'Idempotency-Key': z.string({ error: idempotencyKeyRule }).regex(/^[A-Za-z0-9._:-]{1,128}$/, idempotencyKeyRule),
});

const errorAnswer = (description: string): ResponseSpec => ({ description, schema: errorResponseSchema });

/** The declared answers, completed with the ones the kit and the authentication give. */
function allResponses(spec: RouteSpec): Record<number, ResponseSpec> {
  const responses: Record<number, ResponseSpec> = {};
  for (const [status, response] of Object.entries(spec.responses))
    responses[Number(status)] =
      Number(status) >= 400 && !response.schema && !response.contentType ? { ...response, schema: errorResponseSchema } : response;
  if (spec.params || spec.query || spec.body || spec.headers)
    responses[400] ??= errorAnswer('invalid request: `details` names each bad field');
  if (spec.auth === 'bearer' || spec.auth === 'simulator-session' || spec.auth === 'codec-session') {
    responses[401] ??= errorAnswer('missing or invalid bearer token');
    responses[403] ??= errorAnswer('the read-only token may not do this');
    responses[429] ??= errorAnswer('request rate limit of this token, or failed attempts of this client, exceeded (see Retry-After)');
  }
  return responses;
}

const registry = new Map<string, RegisteredRoute>();

/** Every route registered so far (one entry per method and path, however many apps were made). */
export function registeredRoutes(): RegisteredRoute[] {
  return [...registry.values()];
}

function parsePart(spec: RouteSpec, schema: z.ZodType | undefined, value: unknown, where: 'params' | 'query' | 'body' | 'headers') {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw ApiError.validation(result.error, where, spec.invalidInputCode);
  return result.data;
}

/** Parses params, headers, query and body, in this order; the first invalid one is a 400 naming each bad field. */
function parseInput<S extends RouteSpec>(spec: S, req: Request): RouteInput<S> {
  const headers = spec.headers && Object.fromEntries(Object.keys(spec.headers.shape).map((name) => [name, req.get(name)]));
  return {
    params: parsePart(spec, spec.params, req.params ?? {}, 'params'),
    headers: parsePart(spec, spec.headers, headers, 'headers'),
    query: parsePart(spec, spec.query, req.query ?? {}, 'query'),
    body: parsePart(spec, spec.body, req.body ?? {}, 'body'),
  } as RouteInput<S>;
}

/** A `route(spec, handler)` function for a router mounted at `mount`. */
export function routeTo(router: Router, mount: '' | '/api') {
  return <const S extends RouteSpec>(spec: S, handler: RouteHandler<S>): void => {
    const fullPath = `${mount}${spec.path}`;
    registry.set(`${spec.method} ${fullPath}`, { ...spec, fullPath, responses: allResponses(spec) });
    router[spec.method](spec.path, ...(spec.before ?? []), async (req, res) => {
      await handler(parseInput(spec, req), req, res);
    });
  };
}
