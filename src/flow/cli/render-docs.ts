// Renders docs/flows.md, the reference for bot authors, from the code that defines the
// language: field tables from the zod schemas (via JSON Schema), node summaries, handles and
// examples from the catalogue, names from scope.ts, functions and limits from the expression
// module, rules from problems.ts. Prose that no code holds lives here, next to what it explains.
import { z } from 'zod';
import { expressionFunctions, expressionLimits } from '../expression';
import { type NodeCategory, nodeCatalogue, nodeTypes } from '../nodes';
import { problemCodes } from '../problems';
import { MAX_PATTERN_LENGTH } from '../regex';
import { edgeSchema, flowVersionSchema, nodeEnvelopeShape, settingsSchema, variableSchema } from '../schema';
import { type ContextRoot, contextRoots, fieldRoots, scopeDescriptions, variableScopes } from '../scope';
import { MAX_CHAT_VARIABLES_BYTES, MAX_KNOWN_USERS, MAX_LIST_ITEMS, MAX_RUN_VARIABLES_BYTES, MAX_VALUE_BYTES } from '../variables';

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly $ref?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly 'x-flow-kind'?: string;
  readonly $defs?: Readonly<Record<string, JsonSchema>>;
}

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

const KIND_NAMES: Readonly<Record<string, string>> = {
  template: '[template](#templates)',
  expression: '[expression](#expressions)',
  variable: '[variable](#variables)',
  node: 'node id',
};

const REF_LINKS: Readonly<Record<string, string>> = {
  keyboard: '[keyboard](#keyboards)',
  inlineKeyboard: '[inline keyboard](#keyboards)',
  jsonValue: 'any JSON',
};

function range(min: number | undefined, max: number | undefined, unit: string): string {
  if (min === undefined && max === undefined) return '';
  if (min !== undefined && max !== undefined) return ` (${min}–${max}${unit})`;
  return max !== undefined ? ` (≤ ${max}${unit})` : ` (≥ ${min}${unit})`;
}

function typeOf(s: JsonSchema): string {
  if (s.$ref !== undefined) {
    const name = s.$ref.replace('#/$defs/', '');
    return REF_LINKS[name] ?? name;
  }
  const kind = s['x-flow-kind'];
  if (kind !== undefined)
    return (KIND_NAMES[kind] ?? kind) + (kind === 'template' || kind === 'expression' ? range(undefined, s.maxLength, ' chars') : '');
  if (s.const !== undefined) return code(s.const);
  if (s.enum !== undefined) return s.enum.map(code).join(' or ');
  const options = s.oneOf ?? s.anyOf;
  if (options !== undefined) return options.map(typeOf).join(' or ');
  if (Array.isArray(s.type)) return s.type.join(', ').replace(/, ([^,]*)$/, ' or $1');
  switch (s.type) {
    case 'string':
      return `string${range(s.minLength === 1 ? undefined : s.minLength, s.maxLength, ' chars')}`;
    case 'integer':
    case 'number':
      return `${s.type}${range(s.minimum, s.maximum, '')}`;
    case 'array':
      return `list${range(s.minItems, s.maxItems, ' items')} of ${s.items === undefined ? 'values' : typeOf(s.items)}`;
    case 'object':
      return s.properties === undefined && typeof s.additionalProperties === 'object'
        ? `map of name → ${typeOf(s.additionalProperties)}`
        : 'object';
    default:
      return typeof s.type === 'string' ? s.type : 'any';
  }
}

interface Row {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
}

// Fields of an object schema, with the fields of nested objects and lists of objects as
// `parent.child` and `parent[].child` rows.
function fieldRows(s: JsonSchema, prefix: string, nested: boolean): Row[] {
  const rows: Row[] = [];
  for (const [key, field] of Object.entries(s.properties ?? {})) {
    const name = `${prefix}${key}`;
    rows.push({ name, schema: field, required: s.required?.includes(key) ?? false });
    let inner = field;
    let suffix = '';
    while (inner.type === 'array' && inner.items !== undefined) {
      inner = inner.items;
      suffix += '[]';
    }
    if (nested && inner.properties !== undefined) rows.push(...fieldRows(inner, `${name}${suffix}.`, nested));
  }
  return rows;
}

interface TableOptions {
  /** Fields left out (the caller describes them itself). */
  readonly skip?: readonly string[];
  /** Whether fields of nested objects get rows of their own. */
  readonly nested?: boolean;
}

function fieldTable(s: JsonSchema, { skip = [], nested = true }: TableOptions = {}): string {
  const lines = ['| Field | Type | Required | Default | Description |', '|---|---|---|---|---|'];
  const rows = fieldRows(s, '', nested).filter((row) => !skip.includes(row.name));
  if (rows.length === 0) return 'No fields.';
  for (const { name, schema, required } of rows) {
    const fallback = schema.default === undefined ? '' : code(schema.default);
    lines.push(
      `| ${cell(code(name))} | ${cell(typeOf(schema))} | ${required ? 'yes' : ''} | ${cell(fallback)} | ${cell(schema.description ?? '')} |`,
    );
  }
  return lines.join('\n');
}

function json(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

const CATEGORIES: readonly { category: NodeCategory; title: string; intro: string }[] = [
  {
    category: 'trigger',
    title: 'Triggers',
    intro: 'A trigger starts a new run of the flow when an update matches it. Triggers have no input.',
  },
  { category: 'message', title: 'Messages', intro: 'Message nodes send, edit or delete messages in the current chat.' },
  {
    category: 'wait',
    title: 'Waits',
    intro: 'A wait pauses the run until the user answers. The conversation keeps its place durably: a restart of the bot does not lose it.',
  },
  { category: 'logic', title: 'Logic', intro: 'Logic nodes choose where the run goes next.' },
  { category: 'action', title: 'Actions', intro: 'Actions change variables or talk to the outside world.' },
];

function nodeSection(type: (typeof nodeTypes)[number]): string {
  const spec = nodeCatalogue[type];
  return [
    `### ${type}`,
    '',
    spec.summary,
    '',
    `**Output handles:** ${spec.handles}`,
    '',
    fieldTable(jsonSchemaOf(spec.data)),
    '',
    json({ id: type.replace('.', '-'), type, data: spec.example }),
  ].join('\n');
}

function keyboardSection(): string {
  const defs = jsonSchemaOf(nodeCatalogue['message.text'].data).$defs ?? {};
  const keyboard = defs['keyboard'];
  const variants = (keyboard?.oneOf ?? []).map((v) => (v.$ref === undefined ? v : (defs[v.$ref.replace('#/$defs/', '')] ?? v)));
  return [
    '## Keyboards',
    '',
    'Message nodes take an optional `keyboard`; its `type` selects one of these. message.edit takes only an inline keyboard.',
    '',
    ...variants.flatMap((variant) => [
      `### ${code(variant.properties?.['type']?.const)} keyboard`,
      '',
      variant.description ?? '',
      '',
      fieldTable(variant, { skip: ['type'] }),
      '',
    ]),
  ].join('\n');
}

const OPERATORS: readonly (readonly [string, string])[] = [
  ['`a.b`, `a["b"]`, `a[0]`', 'Member and index access. Missing members, out-of-range indexes and access on null give null.'],
  ['`f(x, y)`', 'Call of a [function](#functions); no other calls exist.'],
  ['`-x`', 'Negation of a number.'],
  ['`*` `/` `%`', 'Multiply, divide, remainder. Dividing by zero is an error.'],
  ['`+` `-`', 'Add, subtract. `+` joins text when either side is text (null joins as ""), e.g. `"Hi " + from.firstName`.'],
  ['`==` `!=`', 'Equality without conversion: `1 == "1"` is false; lists and objects compare by content.'],
  ['`<` `<=` `>` `>=`', 'Order of two numbers or two strings; false when either side is null. Comparisons cannot be chained.'],
  ['`not x`', 'True when `x` is false, null, 0, "" or an empty list.'],
  ['`a and b`', 'True when both are true; `b` is not evaluated when `a` is false.'],
  ['`a or b`', 'True when either is true; `b` is not evaluated when `a` is true.'],
];

function rootRows(roots: Readonly<Record<string, ContextRoot>>): string[] {
  return Object.entries(roots).flatMap(([root, spec]) => [
    `| ${code(root)} | ${cell(spec.description)} |`,
    ...Object.entries(spec.fields).map(([field, description]) => {
      const open = spec.openFields?.includes(field) === true ? ' Any names below it may be read.' : '';
      return `| ${code(`${root}.${field}`)} | ${cell(description + open)} |`;
    }),
    ...(spec.anyMember === undefined ? [] : [`| ${code(`${root}.NAME`)} | ${cell(spec.anyMember)} |`]),
  ]);
}

function expressionSection(): string {
  const limits = expressionLimits;
  return [
    '## Expressions and templates',
    '',
    '### Expressions',
    '',
    'Conditions, switch values, `action.set` values and other fields marked *expression* hold one expression, e.g. `user.balance >= 100 and from.languageCode == "ru"`.',
    '',
    '- Literals: numbers (`42`, `1.5`, `2e3`), strings in double or single quotes with escapes `\\n` `\\t` `\\r` `\\0` `\\\\` `\\"` `\\\'` `\\u00e9` `\\u{1F600}`, `true`, `false`, `null`, lists `[1, 2]`.',
    '- A missing variable, member or index is `null`, never an error; `default(x, fallback)` replaces it.',
    '- Errors (syntax, a type mismatch such as `"a" * 2`, division by zero) name the position in the text.',
    '- Evaluation is sandboxed: only the names below and the functions below exist; there is no access to JavaScript objects, prototypes (`__proto__`, `constructor` and `prototype` are refused), globals, the clock or randomness.',
    '',
    'Operators, from tightest to loosest binding:',
    '',
    '| Operator | Meaning |',
    '|---|---|',
    ...OPERATORS.map(([op, meaning]) => `| ${cell(op)} | ${cell(meaning)} |`),
    '',
    '### Templates',
    '',
    'Texts, captions, URLs, prompts and other fields marked *template* are text with `{{ expression }}` placeholders: `Your balance: {{ user.balance }} credits`.',
    '',
    '- null renders as nothing, numbers and booleans as written, lists and objects as JSON.',
    '- With a `parseMode`, inserted values are escaped for it (HTML: `&`, `<`, `>`, `"`; MarkdownV2: its special characters), so user input cannot break the formatting. Literal text is sent as written.',
    '- To write a literal `{{`, use a placeholder with a string: `{{ "{{" }}`. A `}}` outside a placeholder is plain text.',
    '- In JSON request bodies, insert values with `json(…)`: `{"name": {{ json(from.firstName) }}}`.',
    '',
    '### Names',
    '',
    'An expression starts every name with one of these roots. Variables must be declared (see [Variables](#variables)); anything else is a validation error.',
    '',
    '| Name | What it holds |',
    '|---|---|',
    ...variableScopes.map(
      (scope) => `| ${code(`${scope}.<name>`)} | ${cell(`A declared ${scope} variable. ${scopeDescriptions[scope]}`)} |`,
    ),
    ...rootRows(contextRoots),
    '',
    'Only in some fields:',
    '',
    '| Name | What it holds |',
    '|---|---|',
    ...rootRows(fieldRoots),
    '',
    '### Functions',
    '',
    '| Function | Result |',
    '|---|---|',
    ...Object.values(expressionFunctions).map((fn) => `| ${cell(code(fn.signature))} | ${cell(fn.description)} |`),
    '',
    '### Limits',
    '',
    'So that every evaluation ends quickly, whatever is written:',
    '',
    `- an expression (or one placeholder) is at most ${limits.MAX_EXPRESSION_LENGTH} characters, a template at most ${limits.MAX_TEMPLATE_LENGTH} characters with at most ${limits.MAX_PLACEHOLDERS} placeholders;`,
    `- nesting (parentheses, calls, indexes, operators) is at most ${limits.MAX_DEPTH} levels deep;`,
    `- data compared or turned into text (\`==\`, \`contains\`, \`json\`, templates) may be nested at most ${limits.MAX_DATA_DEPTH} levels deep;`,
    `- one evaluation or rendering takes at most ${limits.MAX_STEPS} steps and produces strings of at most ${limits.MAX_STRING_LENGTH} characters;`,
    `- regular expressions (\`pattern\` fields) are at most ${MAX_PATTERN_LENGTH} characters; they run on RE2, in time linear in the text whatever the pattern (see below).`,
    '',
    '### Regular expressions',
    '',
    "Patterns are written in JavaScript syntax and run on RE2 (the `re2js` engine), which never backtracks: a hostile message cannot make a pattern run for long. What differs from JavaScript's `RegExp`:",
    '',
    '- lookarounds (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`) and backreferences (`\\1`, `\\k<name>`) are refused;',
    '- `\\s` is ASCII white space only (space, tab, line breaks, form feed); use `[\\s\\p{Z}]` for other spaces such as the no-break space;',
    '- `\\d`, `\\w` and `\\b` are ASCII, as in JavaScript with the `u` flag; `\\p{L}`, `\\p{Lu}`, `\\p{Greek}` and the like work;',
    '- a repetition count is at most 1000 (`x{1,1000}`), and a pattern whose compiled program is too large is refused;',
    '- `\\uXXXX`, `\\u{…}` and named groups `(?<name>…)` are accepted and translated.',
    '',
    "Patterns match case-insensitively unless the node says `caseSensitive` (the validator checks both ways). Versions published before patterns moved to RE2 were re-checked: `GET /api/bots/{botId}/flows/{flowId}/versions/{version}` lists a version's `problems` under the current rules, and `npm start` logs every active version that no longer passes. In such a version a text trigger whose pattern RE2 refuses never matches and a `wait.text` with one stops its run; both are recorded in the chat's timeline. Running conversations go on: inputs a chat handled before the change replay with the old engine, every new input is matched with RE2.",
  ].join('\n');
}

function variablesSection(): string {
  return [
    '## Variables',
    '',
    'Every variable a flow reads or writes is declared under `variables`. A variable is read as `scope.name` and lives as long as its scope:',
    '',
    '| Scope | Lifetime |',
    '|---|---|',
    ...variableScopes.map((scope) => `| ${code(scope)} | ${cell(scopeDescriptions[scope])} |`),
    '',
    fieldTable(jsonSchemaOf(variableSchema)),
    '',
    `\`action.set\` with \`append\` keeps at most ${MAX_LIST_ITEMS} items in a list, dropping the oldest.`,
    '',
    `Sizes are capped, in bytes of JSON: one variable's value at ${MAX_VALUE_BYTES}, all chat variables of a chat together at ${MAX_CHAT_VARIABLES_BYTES}, all run variables of a run (of one flow frame) together at ${MAX_RUN_VARIABLES_BYTES}. A node that would go over a cap (\`action.set\`, a wait's \`variable\`, an HTTP node's \`saveResponse\`, a generation's \`resultVariable\`) fails with "variable … would be N bytes": the run stops and the chat's timeline says why; the conversation goes on with the next input. Chat variables past their TTL are dropped from the chat's state. A group chat keeps at most ${MAX_KNOWN_USERS} members' user ids in its state (others are looked up again when they write).`,
    '',
    json({ name: 'balance', scope: 'user', type: 'number', default: 0 }),
  ].join('\n');
}

function validationSection(): string {
  return [
    '## Validation',
    '',
    'A flow is checked before it can be published (`npm run flow:validate -- file.json` does the same locally). Every problem is reported at once, with a code, a severity, the node id and a JSON path. A flow with any error cannot be published; warnings are advice.',
    '',
    '| Code | Severity | Rule |',
    '|---|---|---|',
    ...Object.entries(problemCodes).map(([name, rule]) => `| ${code(name)} | ${rule.severity} | ${cell(rule.rule)} |`),
  ].join('\n');
}

/** How a flow sells credits: what payment.invoice sets off, beyond its node entry. */
function paymentsSection(): string {
  return [
    '## Selling credits with Telegram Stars',
    '',
    "`payment.invoice` sells a credit pack for Telegram Stars (currency `XTR`, Telegram's way for digital goods; no payment provider is involved). What happens:",
    '',
    '1. The node records the invoice (its id is the invoice `payload`) and sends it; the run waits at the node.',
    "2. When the user taps Pay, Telegram asks the bot (`pre_checkout_query`) and cancels the purchase unless it is answered within 10 seconds. The service answers it where updates arrive, from the database, never through the chat: also while the chat is busy with a generation or a queue of messages. It answers `ok` only for an invoice of this bot that is this user's, unpaid, not expired (`timeoutMs`, else 24 hours) and at its price; otherwise the user sees the reason.",
    "3. After the payment Telegram sends `successful_payment`. The credits are added once per payment (ledger reason `purchase`, keyed by Telegram's charge id): a redelivered update or a worker that died halfway adds nothing more. If the run still waits at this invoice it takes `paid`, with `payment.credits`, `payment.stars`, `payment.balance` and `payment.chargeId` readable in expressions and templates; if the run has moved on (a command started another, the invoice's `timeout` passed), the user is told the credits were added.",
    '4. Refunds are made through the API (`POST /api/payments/{chargeId}/refund` with an `Idempotency-Key`): the credits are taken back (only if the balance allows, else 409) and Telegram returns the Stars, once. A refund Telegram makes itself (`refunded_payment`) takes back what the balance allows. `GET /api/users/{id}/payments` lists purchases and refunds.',
    '',
    "Telegram's terms for Stars ask bots to answer payment questions: give the bot a `/paysupport` command (the example `examples/flows/loyalty.json` has one).",
  ].join('\n');
}

/** The whole of docs/flows.md. */
export function renderFlowsDoc(): string {
  const sections = [
    '# Flow reference',
    '',
    '<!-- Generated by `npm run flow:docs` from src/flow; edit the code, not this file. -->',
    '',
    "A bot's behaviour is a flow: a graph of nodes joined by edges. A run starts at a trigger, follows the edges from node to node and ends where a node has no edge to follow. This page lists everything a flow may contain; [flow.schema.json](flow.schema.json) is the same as JSON Schema, for editors, and `examples/flows/` has complete flows.",
    '',
    '## The flow file',
    '',
    fieldTable(jsonSchemaOf(flowVersionSchema), { skip: ['variables', 'nodes', 'edges'], nested: false }),
    '| `variables` | list | | `[]` | Declared variables, see [Variables](#variables). |',
    '| `nodes` | list | yes | | Nodes, see [Nodes](#nodes). |',
    '| `edges` | list | | `[]` | Edges, see [Edges](#edges). |',
    '',
    '### Settings',
    '',
    fieldTable(jsonSchemaOf(settingsSchema)),
    '',
    variablesSection(),
    '',
    '## Nodes',
    '',
    'A node is `{ "id", "type", "data", "position"? }` as in React Flow; `type` selects the schema of `data`. Unknown fields in `data` are errors; other fields an editor adds to the node are kept.',
    '',
    fieldTable(jsonSchemaOf(z.object(nodeEnvelopeShape))),
    '| `type` | string | yes | | The node type, e.g. `message.text`. |',
    '| `data` | object | yes | | Settings of the node; see its type below. Every type also takes an optional `label`, the name shown in the editor. |',
    '',
    '## Edges',
    '',
    "An edge leads from one of a node's output handles to another node. Each handle has at most one edge. On a node with several handles (a condition's `true` and `false`, a wait's `timeout`, …) every handle needs an edge, or must be listed in the node's `openHandles`, which means the run ends there. A node with a single `next` handle and no edge simply ends the run.",
    '',
    fieldTable(jsonSchemaOf(edgeSchema)),
    '',
    ...CATEGORIES.flatMap(({ category, title, intro }) => [
      `## ${title}`,
      '',
      intro,
      '',
      ...nodeTypes.filter((type) => nodeCatalogue[type].category === category).flatMap((type) => [nodeSection(type), '']),
    ]),
    keyboardSection(),
    paymentsSection(),
    '',
    expressionSection(),
    '',
    validationSection(),
    '',
  ];
  return sections.join('\n');
}
