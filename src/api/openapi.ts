import { Router } from 'express';
import { z } from 'zod';
import { registeredRoutes, routeTo, type RegisteredRoute } from './route';
import { sendHtmlPage } from './html-page';

type JsonSchema = Record<string, unknown>;

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { description: 'For 400: `[{field, message}]`, naming each bad field (`body.prompt`, `query.limit`, …).' },
      },
    },
  },
};

/**
 * Request schemas are documented as the client writes them (before defaults and coercion).
 * Named sub-schemas (zod `.meta({id})`, e.g. the flow's node types) become shared components.
 */
function jsonSchema(schema: z.ZodType, components: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const relink = (value: unknown): JsonSchema =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
  for (const [name, definition] of Object.entries(($defs as Record<string, JsonSchema> | undefined) ?? {}))
    components[name] = relink(definition);
  return relink(rest);
}

function parameters(route: RegisteredRoute, components: Record<string, JsonSchema>): JsonSchema[] {
  const fromObject = (schema: z.ZodObject | undefined, where: 'path' | 'query') =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(field as z.ZodType, components),
    }));
  return [
    ...fromObject(route.params, 'path'),
    ...fromObject(route.query, 'query'),
    ...(route.idempotencyKey
      ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } }]
      : []),
    ...(route.auth === 'telegram-secret'
      ? [{ name: 'X-Telegram-Bot-Api-Secret-Token', in: 'header', required: true, schema: { type: 'string' } }]
      : []),
  ];
}

function operation(route: RegisteredRoute, components: Record<string, JsonSchema>): JsonSchema {
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, description]) => [
      status,
      Number(status) >= 400
        ? { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
        : {
            description,
            content: route.eventStream ? { 'text/event-stream': { schema: { type: 'string' } } } : { 'application/json': { schema: {} } },
          },
    ]),
  );
  if (route.auth === 'bearer' || route.auth === 'simulator-session') {
    responses['401'] ??= {
      description: 'missing or invalid bearer token',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    responses['403'] ??= {
      description: 'the read-only token may not do this',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    responses['429'] ??= {
      description: 'request rate limit of this token, or failed attempts of this client, exceeded (see Retry-After)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const body = route.body;
  return {
    operationId: `${route.method}${route.fullPath.replace(/[/:{}-]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: route.summary,
    tags: [route.tag],
    parameters: parameters(route, components),
    ...(body
      ? {
          requestBody: {
            required: !body.safeParse(undefined).success,
            content: { 'application/json': { schema: jsonSchema(body, components) } },
          },
        }
      : {}),
    responses,
    security:
      route.auth === 'bearer' ? [{ bearer: [] }] : route.auth === 'simulator-session' ? [{ simulatorSession: [] }, { bearer: [] }] : [],
  };
}

/** The OpenAPI 3.1 document of every registered route, from the same zod schemas that validate them. */
export function openApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const components: Record<string, JsonSchema> = { Error: errorSchema };
  for (const route of registeredRoutes().sort((a, b) => a.fullPath.localeCompare(b.fullPath))) {
    const path = route.fullPath.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route, components) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Durable Telegram bots and paid generations',
      version: '0.1.0',
      description: 'Internal API. Everything under /api needs `Authorization: Bearer <token>` (operator, or read-only for GET).',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        simulatorSession: { type: 'apiKey', in: 'cookie', name: 'simulator_session' },
      },
      schemas: components,
    },
    paths,
  };
}

/** `/openapi.json` and a plain browsable page at `/docs` (no external assets: it must work offline). */
export function openApiRouter(): Router {
  const router = Router();
  const route = routeTo(router, '');
  route(
    { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'docs', auth: 'none', responses: { 200: 'OpenAPI 3.1' } },
    (_req, res) => {
      res.json(openApiDocument());
    },
  );
  route(
    { method: 'get', path: '/docs', summary: 'Browsable API reference', tag: 'docs', auth: 'none', responses: { 200: 'HTML page' } },
    (_req, res) => {
      sendHtmlPage(res, docsPage);
    },
  );
  return router;
}

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 2rem; color: #1d1d1f; }
  h2 { border-bottom: 1px solid #ddd; padding-top: 1rem; text-transform: capitalize; }
  details { border: 1px solid #e3e3e3; border-radius: 6px; margin: .5rem 0; padding: .5rem .75rem; }
  summary { cursor: pointer; }
  code.method { display: inline-block; min-width: 4.5rem; font-weight: 600; text-transform: uppercase; }
  pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; font-size: 13px; }
</style>
</head>
<body>
<h1>API reference</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>. Calls under <code>/api</code> need <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<main id="reference">Loading…</main>
<script>
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  const byTag = {};
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) (byTag[op.tags[0]] ??= []).push({ path, method, op });
  }
  const main = document.getElementById('reference');
  main.textContent = '';
  const el = (tag, text) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; };
  for (const [tag, ops] of Object.entries(byTag)) {
    main.append(el('h2', tag));
    for (const { path, method, op } of ops) {
      const d = el('details');
      const s = el('summary');
      const m = el('code', method); m.className = 'method';
      s.append(m, el('code', path), document.createTextNode(' — ' + op.summary));
      d.append(s);
      if (op.parameters.length) { d.append(el('h4', 'Parameters'), el('pre', JSON.stringify(op.parameters, null, 2))); }
      if (op.requestBody) { d.append(el('h4', 'Body'), el('pre', JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))); }
      d.append(el('h4', 'Responses'), el('pre', Object.entries(op.responses).map(([k, v]) => k + '  ' + v.description).join('\\n')));
      main.append(d);
    }
  }
});
</script>
</body>
</html>`;
