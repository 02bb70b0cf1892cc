import { z } from 'zod';
import { errorResponseSchema } from './errors';
import type { RegisteredRoute } from './route';

type JsonSchema = Record<string, unknown>;

/**
 * Shared sub-schemas (zod `.meta({id})`, e.g. the flow's node types, the error body) as the
 * document's components. One name may come out twice with different content (a schema's input
 * and output forms, or zod's numbered helper definitions of two routes): the later one gets a
 * numbered name of its own.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** A schema as JSON Schema: requests as the client writes them (before defaults and coercion), answers as the server sends them. */
  add(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const { $schema: _dialect, $defs, ...root } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    const definitions = Object.entries(($defs as Record<string, JsonSchema> | undefined) ?? {});
    const names = new Map<string, string>();
    const relink = (value: unknown): JsonSchema =>
      JSON.parse(
        JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_m, name: string) => `"#/components/schemas/${names.get(name) ?? name}"`),
      ) as JsonSchema;
    // Names first (definitions refer to each other), then contents; a clash compares relinked contents.
    for (const [name] of definitions) names.set(name, name);
    for (const [name, definition] of definitions) {
      for (let n = 1; ; n++) {
        names.set(name, n === 1 ? name : `${name}${n}`);
        const taken = this.schemas[names.get(name)!];
        if (!taken || JSON.stringify(taken) === JSON.stringify(relink(definition))) break;
      }
    }
    for (const [name, definition] of definitions) this.schemas[names.get(name)!] = relink(definition);
    return relink(root);
  }
}

function parameters(route: RegisteredRoute, components: Components): JsonSchema[] {
  const fromObject = (schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header') =>
    Object.entries(schema?.shape ?? {}).map(([name, field]) => ({
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      schema: components.add(field as z.ZodType, 'input'),
    }));
  return [
    ...fromObject(route.params, 'path'),
    ...fromObject(route.query, 'query'),
    ...fromObject(route.headers, 'header'),
    ...(route.auth === 'telegram-secret'
      ? [{ name: 'X-Telegram-Bot-Api-Secret-Token', in: 'header', required: true, schema: { type: 'string' } }]
      : []),
  ];
}

function operation(route: RegisteredRoute, components: Components): JsonSchema {
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, { description, schema, contentType, headers }]) => [
      status,
      {
        description,
        ...(headers
          ? {
              headers: Object.fromEntries(
                Object.entries(headers).map(([name, meaning]) => [name, { description: meaning, schema: { type: 'string' } }]),
              ),
            }
          : {}),
        ...(schema
          ? { content: { 'application/json': { schema: components.add(schema, 'output') } } }
          : contentType
            ? { content: { [contentType]: { schema: { type: 'string' } } } }
            : {}),
      },
    ]),
  );
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
            content: { 'application/json': { schema: components.add(body, 'input') } },
          },
        }
      : {}),
    responses,
    security: securityOf(route.auth),
  };
}

function securityOf(auth: RegisteredRoute['auth']): Record<string, string[]>[] {
  if (auth === 'bearer') return [{ bearer: [] }];
  if (auth === 'simulator-session') return [{ simulatorSession: [] }, { bearer: [] }];
  if (auth === 'codec-session') return [{ codecSession: [] }, { bearer: [] }];
  return [];
}

/** The OpenAPI 3.1 document of `routes`, from the same zod schemas that parse their input and describe their answers. */
export function openApiDocument(routes: RegisteredRoute[], info: { title: string; version: string; description: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const components = new Components();
  components.add(errorResponseSchema, 'output');
  for (const route of [...routes].sort((a, b) => a.fullPath.localeCompare(b.fullPath))) {
    const path = route.fullPath.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route, components) };
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        simulatorSession: { type: 'apiKey', in: 'cookie', name: 'simulator_session' },
        codecSession: { type: 'apiKey', in: 'cookie', name: 'codec_session' },
      },
      schemas: components.schemas,
    },
    paths,
  };
}
