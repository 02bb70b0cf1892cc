import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';

/**
 * A route as the API declares it: method, path and the zod schemas its handler validates with.
 * Routers register routes through `routeTo`, which both mounts the handler and records the
 * declaration; the OpenAPI document is built from these records (src/api/openapi.ts), so a
 * route cannot exist without being documented, nor be documented with other schemas than it uses.
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
  /** Operations that move money take an Idempotency-Key header. */
  idempotencyKey?: boolean;
  /** Status → what it means. */
  responses: Record<number, string>;
  /** `simulator-session`: the simulator page's session cookie, or the operator's bearer token. */
  auth: 'bearer' | 'none' | 'telegram-secret' | 'simulator-session';
  /** Answers with Server-Sent Events instead of JSON. */
  eventStream?: boolean;
}

export interface RegisteredRoute extends RouteSpec {
  /** The full path, with the router's mount point. */
  fullPath: string;
}

const registry = new Map<string, RegisteredRoute>();

/** Every route registered so far (one entry per method and path, however many apps were made). */
export function registeredRoutes(): RegisteredRoute[] {
  return [...registry.values()];
}

/** A `route(spec, handler)` function for a router mounted at `mount`. */
export function routeTo(router: Router, mount: '' | '/api') {
  return (spec: RouteSpec, ...handlers: RequestHandler[]): void => {
    const fullPath = `${mount}${spec.path}`;
    registry.set(`${spec.method} ${fullPath}`, { ...spec, fullPath });
    router[spec.method](spec.path, ...handlers);
  };
}
