// A flow version: the JSON a bot author writes, and the one source of truth for its shape.
// Nodes and edges follow React Flow (`nodes[{id,type,data,position}]`, `edges[{id,source,
// sourceHandle,target}]`); fields an editor adds to them (`selected`, `measured`, …) are kept.
import { z } from 'zod';
import { DAY_MS, durationField, identifierSchema } from './fields';
import { type NodeCatalogue, nodeCatalogue, type NodeType } from './nodes';
import { variableScopes } from './scope';

const MAX_NODES = 5_000;
const MAX_EDGES = 10_000;
const MAX_VARIABLES = 500;

export const settingsSchema = z
  .strictObject({
    debounceMs: z.number().int().min(0).max(10_000).default(0).meta({
      description: 'Messages that arrive within this many milliseconds of each other are merged into one input. 0 turns merging off.',
    }),
    idleTimeoutMs: durationField(
      'After this long without updates the conversation is put to rest: chat variables are saved and the next update starts it afresh (1 minute to 30 days).',
      60_000,
      30 * DAY_MS,
    ).default(DAY_MS),
    defaultLocale: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "pt-BR"')
      .default('en')
      .meta({ description: "Language used when Telegram does not report the user's (`from.languageCode`)." }),
  })
  .meta({ description: 'How the chat runtime treats this flow.' });

export const variableTypes = ['string', 'number', 'boolean', 'list', 'object'] as const;
export type VariableType = (typeof variableTypes)[number];

function jsonTypeOf(value: unknown): VariableType | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'object' : (typeof value as VariableType);
}

const jsonValueSchema = z.json().meta({ id: 'jsonValue', description: 'Any JSON value.' });

export const variableSchema = z
  .strictObject({
    name: identifierSchema.meta({ description: 'Name; read as `scope.name`, e.g. `user.balance`.' }),
    scope: z.enum(variableScopes).meta({ description: 'Where the value lives and how long: run, chat, user or bot.' }),
    type: z.enum(variableTypes).meta({ description: 'Type of the value.' }),
    default: jsonValueSchema.optional().meta({ description: 'Value before anything is set; null when absent.' }),
    ttlMs: durationField(
      'Forget the value this many milliseconds after it was last set (chat, user and bot scopes; 1 minute to 365 days).',
      60_000,
      365 * DAY_MS,
    ).optional(),
    description: z.string().max(500).optional().meta({ description: 'What the variable is for.' }),
  })
  .superRefine((variable, ctx) => {
    const actual = jsonTypeOf(variable.default ?? null);
    if (actual !== 'null' && actual !== variable.type) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `must be a ${variable.type}, got ${actual}` });
    }
    if (variable.ttlMs !== undefined && variable.scope === 'run') {
      ctx.addIssue({
        code: 'custom',
        path: ['ttlMs'],
        message: 'run variables end with the run; a TTL applies to chat, user and bot variables',
      });
    }
  })
  .meta({ description: 'A declared variable. Templates and expressions may only read declared variables.' });

const positionSchema = z.strictObject({ x: z.number(), y: z.number() }).meta({ description: 'Position in the editor.' });

const nodeIdSchema = z.string().min(1).max(128).meta({ description: 'Unique id of the node.' });

/** Fields every node has besides `type` and `data`. */
export const nodeEnvelopeShape = {
  id: nodeIdSchema,
  position: positionSchema.optional(),
  openHandles: z
    .array(z.string().max(64))
    .max(60)
    .meta({ description: 'Output handles deliberately left without an edge: taking one ends the run.' })
    .optional(),
};

function nodeSchema<T extends NodeType>(type: T) {
  return z
    .looseObject({ ...nodeEnvelopeShape, type: z.literal(type), data: nodeCatalogue[type].data as NodeCatalogue[T]['data'] })
    .meta({ id: type, title: type, description: nodeCatalogue[type].summary });
}

type NodeSchema<T extends NodeType> = ReturnType<typeof nodeSchema<T>>;

/** A node of any type: `type` selects the schema of `data`. */
export type FlowNode = { [T in NodeType]: z.output<NodeSchema<T>> }[NodeType];
export type FlowNodeInput = { [T in NodeType]: z.input<NodeSchema<T>> }[NodeType];
/** A node of one type, e.g. `NodeOf<'logic.switch'>`. */
export type NodeOf<T extends NodeType> = Extract<FlowNode, { type: T }>;

const nodeSchemas = (Object.keys(nodeCatalogue) as NodeType[]).map((type) => nodeSchema(type));

export const flowNodeSchema = z.discriminatedUnion(
  'type',
  nodeSchemas as unknown as [NodeSchema<NodeType>, ...NodeSchema<NodeType>[]],
) as unknown as z.ZodType<FlowNode, FlowNodeInput>;

export const edgeSchema = z
  .looseObject({
    id: z.string().min(1).max(128).meta({ description: 'Unique id of the edge.' }),
    source: nodeIdSchema.meta({ description: 'Id of the node the edge leaves.' }),
    sourceHandle: z
      .string()
      .max(64)
      .nullish()
      .meta({ description: 'Output handle it leaves from; may be omitted (or null) on nodes with a single `next` handle.' }),
    target: nodeIdSchema.meta({ description: 'Id of the node the edge enters.' }),
    targetHandle: z.string().max(64).nullish().meta({ description: 'Ignored: every node has one input.' }),
  })
  .meta({ description: 'A connection from an output handle of one node to another node.' });

export type FlowEdge = z.output<typeof edgeSchema>;

export const flowVersionSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Path or URL of flow.schema.json, for editors.' }),
    viewport: z
      .looseObject({ x: z.number(), y: z.number(), zoom: z.number() })
      .optional()
      .meta({ description: "The editor's view, as React Flow's `toObject()` saves it; ignored by the runtime." }),
    settings: settingsSchema.prefault({}),
    variables: z.array(variableSchema).max(MAX_VARIABLES).default([]).meta({ description: 'Declared variables.' }),
    nodes: z.array(flowNodeSchema).max(MAX_NODES).meta({ description: 'The nodes of the flow.' }),
    edges: z.array(edgeSchema).max(MAX_EDGES).default([]).meta({ description: 'The edges between nodes.' }),
  })
  .meta({ title: 'Flow version', description: 'A bot flow: settings, declared variables, nodes and edges.' });

export type FlowVersion = z.output<typeof flowVersionSchema>;
export type FlowVersionInput = z.input<typeof flowVersionSchema>;
export type FlowSettings = z.output<typeof settingsSchema>;
export type VariableDeclaration = z.output<typeof variableSchema>;
