// The node catalogue: every node type a flow may contain, its `data` schema and what the
// validator and the chat runtime need to know about it. A type is listed here only when the
// runtime implements it.
import { z } from 'zod';
import { NEXT } from './next-handle';
import {
  callbackDataField,
  dataSchema,
  DAY_MS,
  durationField,
  expressionField,
  expressionMapField,
  identifierSchema,
  nodeField,
  parseModeSchema,
  patternField,
  templateField,
  variableField,
} from './fields';

export type NodeCategory = 'trigger' | 'message' | 'wait' | 'logic' | 'action';

export interface NodeTypeSpec<D extends z.ZodType> {
  readonly category: NodeCategory;
  /** One line for the docs and the editor's palette. */
  readonly summary: string;
  readonly data: D;
  /** Output handles, in display order; the validator checks edges against them. */
  readonly outputs: (data: z.output<D>) => readonly string[];
  /** The same, in words, for the docs (a test checks it names every handle `outputs` gives). */
  readonly handles: string;
  /** The run pauses here (waits for the user or a timer), so a cycle through it is not a busy loop. */
  readonly suspends: boolean;
  /** Valid data, shown in the docs and accepted by the tests. */
  readonly example: z.input<D>;
}

function nodeType<D extends z.ZodType>(spec: NodeTypeSpec<D>): NodeTypeSpec<D> {
  return spec;
}

const next = (): readonly string[] => [NEXT];
const none = (): readonly string[] => [];

// --- Shared pieces --------------------------------------------------------------------------

const URL_BUTTON = /^(https?|tg):\/\//;
// The host of an HTTP request is literal text, never a placeholder, so user input cannot
// point the bot's requests at another server.
const HTTP_URL = /^https?:\/\/[^/?#{}\s]+(?:[/?#]|$)/;

const inlineButtonSchema = z
  .strictObject({
    text: templateField('Button text.', { max: 200 }),
    callbackData: callbackDataField('Data sent back when the button is pressed (matched by trigger.callback and wait.button).').optional(),
    url: templateField('Link opened by the button (http, https or tg).', {
      max: 2_000,
      prefix: [URL_BUTTON, 'must start with http://, https:// or tg://'],
    }).optional(),
  })
  .superRefine((button, ctx) => {
    if ((button.callbackData === undefined) === (button.url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['callbackData'], message: 'a button needs exactly one of "callbackData" or "url"' });
    }
  })
  .meta({ description: 'An inline button: either a callback button (`callbackData`) or a link (`url`).' });

const buttonRows = <T extends z.ZodType>(button: T) => z.array(z.array(button).min(1).max(8)).min(1).max(20);

const inlineKeyboardSchema = z
  .strictObject({
    type: z.literal('inline'),
    rows: buttonRows(inlineButtonSchema).meta({ description: 'Rows of buttons (at most 20 rows of 8).' }),
  })
  .meta({ id: 'inlineKeyboard', description: 'Buttons under the message.' });

const replyButtonSchema = z.strictObject({
  text: z.string().min(1).max(200).meta({ description: 'Button text; pressing it sends this text as a message.' }),
  requestContact: z.boolean().default(false).meta({ description: "Pressing it shares the user's phone number (for wait.contact)." }),
});

const keyboardSchema = z
  .discriminatedUnion('type', [
    inlineKeyboardSchema,
    z
      .strictObject({
        type: z.literal('reply'),
        rows: buttonRows(replyButtonSchema).meta({ description: 'Rows of buttons (at most 20 rows of 8).' }),
        resize: z.boolean().default(true).meta({ description: 'Fit the keyboard to its buttons.' }),
        oneTime: z.boolean().default(false).meta({ description: 'Hide the keyboard after one press.' }),
      })
      .meta({ description: 'A keyboard that replaces the phone keyboard.' }),
    z.strictObject({ type: z.literal('remove') }).meta({ description: 'Removes a reply keyboard shown earlier.' }),
  ])
  .meta({ id: 'keyboard', description: 'Inline buttons, a reply keyboard, or removal of a reply keyboard.' });

const timeoutField = durationField(
  'How long to wait, in milliseconds (1 s to 30 days). When set, the node gets a `timeout` handle taken when nobody answers in time.',
  1_000,
  30 * DAY_MS,
).optional();

// Telegram shows a spinner on a pressed button until the bot answers; the answer may carry a
// short notice. The node that takes the press decides it.
const toastField = templateField('Short notice Telegram shows when this node takes a button press (the callback answer).', {
  max: 200,
}).optional();

const WAIT_HANDLES = '`next` when the answer arrives; `timeout` (only when `timeoutMs` is set) when it does not arrive in time.';

const waitOutputs = (data: { readonly timeoutMs?: number | undefined }): readonly string[] =>
  data.timeoutMs === undefined ? [NEXT] : [NEXT, 'timeout'];

function mediaData(what: string) {
  return dataSchema({
    url: templateField(`Public http(s) URL of the ${what}.`, {
      max: 2_000,
      prefix: [/^https?:\/\//, 'must start with http:// or https://'],
    }).optional(),
    fileId: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: `Telegram file id of a ${what} the bot has sent or received before.` })
      .optional(),
    caption: templateField('Caption under the media.', { max: 1_024 }).optional(),
    parseMode: parseModeSchema.optional(),
    keyboard: keyboardSchema.optional().meta({ description: 'Keyboard shown with the message.' }),
  }).superRefine((data, ctx) => {
    if ((data.url === undefined) === (data.fileId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'needs exactly one of "url" or "fileId"' });
    }
  });
}

const targetMessageField = nodeField(
  'Id of the message node whose last message in this chat is meant. When absent: the message whose inline button was just pressed.',
).optional();

const handleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1 to 32 letters, digits, "_" or "-"')
  .meta({ description: 'Handle id: letters, digits, "_" or "-".' });

const switchCaseSchema = z.strictObject({
  id: handleIdSchema.meta({ description: 'Id of the case; also the id of its output handle.' }),
  equals: z
    .union([z.string(), z.number(), z.boolean(), z.null()], { error: 'must be a text, number, true, false or null' })
    .meta({ description: 'The case is taken when the value equals this (no type conversion: "1" is not 1).' }),
  label: z.string().max(200).optional().meta({ description: 'Name shown in the editor.' }),
});

const responseMappingSchema = z.strictObject({
  variable: variableField('Variable to set.'),
  value: expressionField('Expression over `response` (and the usual names), e.g. `response.body.answer`.', ['response']),
});

const headerNameSchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be a valid HTTP header name');

// --- The catalogue --------------------------------------------------------------------------

export const nodeCatalogue = {
  'trigger.command': nodeType({
    category: 'trigger',
    summary: 'Starts a run when the user sends a command such as /start. Arguments after it are in `message.args`.',
    data: dataSchema({
      command: z
        .string()
        .regex(/^\/[A-Za-z0-9_]{1,32}$/, 'must be a slash and 1 to 32 letters, digits or "_", e.g. "/start"')
        .meta({ description: 'The command, with its slash.' }),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { command: '/start' },
  }),
  'trigger.text': nodeType({
    category: 'trigger',
    summary: 'Starts a run when a text message equals `text` or matches `pattern`. Capture groups are in `message.match`.',
    data: dataSchema({
      text: z.string().min(1).max(4_096).meta({ description: 'Exact text to match (surrounding white space is ignored).' }).optional(),
      pattern: patternField('Regular expression to search the text for; use ^ and $ to match the whole text.').optional(),
      caseSensitive: z.boolean().default(false).meta({ description: 'Whether letter case must match.' }),
    }).superRefine((data, ctx) => {
      if ((data.text === undefined) === (data.pattern === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'needs exactly one of "text" or "pattern"' });
      }
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { pattern: '^(hi|hello)\\b' },
  }),
  'trigger.callback': nodeType({
    category: 'trigger',
    summary: 'Starts a run when an inline button with matching callback data is pressed (and no wait.button takes it).',
    data: dataSchema({
      data: callbackDataField('Callback data to match.'),
      match: z
        .enum(['exact', 'prefix'])
        .default('exact')
        .meta({ description: '`exact`: data equals `data`; `prefix`: data starts with it.' }),
      toast: toastField,
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { data: 'balance' },
  }),
  'trigger.event': nodeType({
    category: 'trigger',
    summary:
      'Starts a run when an external event with this name is delivered to the chat through the API, or when a logic.subflow calls it. Its data is in `event.payload`.',
    data: dataSchema({ name: identifierSchema.meta({ description: 'Name of the event.' }) }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { name: 'order_shipped' },
  }),
  'message.text': nodeType({
    category: 'message',
    summary: 'Sends a text message, optionally with a keyboard.',
    data: dataSchema({
      text: templateField('Text of the message.', { max: 4_096 }),
      parseMode: parseModeSchema.optional(),
      keyboard: keyboardSchema.optional().meta({ description: 'Keyboard shown with the message.' }),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: {
      text: 'Hello, {{ from.firstName }}!',
      keyboard: {
        type: 'inline',
        rows: [
          [
            { text: 'Balance', callbackData: 'balance' },
            { text: 'Site', url: 'https://example.com' },
          ],
        ],
      },
    },
  }),
  'message.photo': nodeType({
    category: 'message',
    summary: 'Sends a photo by URL or file id, with an optional caption and keyboard.',
    data: mediaData('photo'),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { url: 'https://example.com/card.png', caption: 'Your card, {{ from.firstName }}' },
  }),
  'message.video': nodeType({
    category: 'message',
    summary: 'Sends a video by URL or file id, with an optional caption and keyboard.',
    data: mediaData('video'),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { fileId: 'BAACAgIAAxkBAAIB' },
  }),
  'message.document': nodeType({
    category: 'message',
    summary: 'Sends a file by URL or file id, with an optional caption and keyboard.',
    data: mediaData('document'),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { url: 'https://example.com/price-list.pdf', caption: 'Price list' },
  }),
  'message.edit': nodeType({
    category: 'message',
    summary: 'Replaces the text (or caption) and inline buttons of a message the bot sent.',
    data: dataSchema({
      target: targetMessageField,
      text: templateField('New text of the message.', { max: 4_096 }),
      parseMode: parseModeSchema.optional(),
      keyboard: inlineKeyboardSchema.optional().meta({ description: 'New inline buttons; the old ones are removed when absent.' }),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { text: 'Balance: {{ run.balance }} credits' },
  }),
  'message.delete': nodeType({
    category: 'message',
    summary: 'Deletes a message the bot sent.',
    data: dataSchema({ target: targetMessageField }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { target: 'menu' },
  }),
  'wait.text': nodeType({
    category: 'wait',
    summary: 'Waits for the user to send text. With a `pattern`, other text gets the `retryPrompt` and the wait goes on.',
    data: dataSchema({
      variable: variableField('Variable that receives the text.').optional(),
      pattern: patternField('Regular expression the text must match (searched; use ^ and $ for the whole text).').optional(),
      retryPrompt: templateField('Sent when the text does not match `pattern`.', { max: 4_096 }).optional(),
      timeoutMs: timeoutField,
    }),
    outputs: waitOutputs,
    handles: WAIT_HANDLES,
    suspends: true,
    example: { variable: 'run.date', pattern: '^\\d{2}\\.\\d{2}$', retryPrompt: 'Please send a date like 24.12', timeoutMs: 600_000 },
  }),
  'wait.button': nodeType({
    category: 'wait',
    summary: 'Waits for the user to press an inline button. The pressed data is in `message.callbackData`.',
    data: dataSchema({
      variable: variableField('Variable that receives the callback data.').optional(),
      accept: z
        .array(callbackDataField('Callback data.'))
        .min(1)
        .max(50)
        .meta({ description: 'Callback data this wait takes; presses of other buttons are left to triggers. All buttons when absent.' })
        .optional(),
      timeoutMs: timeoutField,
      toast: toastField,
    }),
    outputs: waitOutputs,
    handles: WAIT_HANDLES,
    suspends: true,
    example: { variable: 'run.service', accept: ['haircut', 'beard'], toast: 'Got it' },
  }),
  'wait.contact': nodeType({
    category: 'wait',
    summary:
      'Waits for the user to share their phone number (show a reply keyboard with `requestContact` first). The number is in `message.phone`.',
    data: dataSchema({
      variable: variableField('Variable that receives the phone number.').optional(),
      retryPrompt: templateField('Sent when the user sends something other than a contact.', { max: 4_096 }).optional(),
      timeoutMs: timeoutField,
    }),
    outputs: waitOutputs,
    handles: WAIT_HANDLES,
    suspends: true,
    example: { variable: 'user.phone', retryPrompt: 'Please use the "Share phone" button' },
  }),
  'logic.condition': nodeType({
    category: 'logic',
    summary: 'Takes the `true` or the `false` handle depending on a condition.',
    data: dataSchema({ condition: expressionField('Condition; null, false, 0, "" and [] count as false.') }),
    outputs: () => ['true', 'false'],
    handles: '`true`, `false`.',
    suspends: false,
    example: { condition: 'user.balance >= 100 and from.languageCode == "ru"' },
  }),
  'logic.switch': nodeType({
    category: 'logic',
    summary: 'Takes the handle of the first case whose `equals` matches the value, or `default`.',
    data: dataSchema({
      value: expressionField('Value to compare with the cases.'),
      cases: z.array(switchCaseSchema).min(1).max(50).meta({ description: 'Cases, tried in order.' }),
    }).superRefine((data, ctx) => {
      const seen = new Set<string>();
      data.cases.forEach((c, i) => {
        if (c.id === 'default' || seen.has(c.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['cases', i, 'id'],
            message: `case id "${c.id}" is ${c.id === 'default' ? 'reserved' : 'used twice'}`,
          });
        }
        seen.add(c.id);
      });
    }),
    outputs: (data) => [...data.cases.map((c) => c.id), 'default'],
    handles: 'One per case, named by its `id`, then `default`.',
    suspends: false,
    example: {
      value: 'message.callbackData',
      cases: [
        { id: 'yes', equals: 'yes' },
        { id: 'no', equals: 'no' },
      ],
    },
  }),
  'logic.jump': nodeType({
    category: 'logic',
    summary: 'Continues at another node, like an edge that is not drawn (e.g. back to a menu).',
    data: dataSchema({ target: nodeField('Id of the node to continue at.') }),
    outputs: none,
    handles: 'None: the run continues at `target`.',
    suspends: false,
    example: { target: 'menu' },
  }),
  'logic.delay': nodeType({
    category: 'logic',
    summary: 'Pauses the run for a while (a durable timer: it survives restarts).',
    data: dataSchema({ delayMs: durationField('Pause in milliseconds (1 s to 30 days).', 1_000, 30 * DAY_MS) }),
    outputs: next,
    handles: '`next`.',
    suspends: true,
    example: { delayMs: 5_000 },
  }),
  'logic.subflow': nodeType({
    category: 'logic',
    summary:
      'Runs another flow of the same bot from its trigger.event named `event`, then continues here. The called flow has its own `run` variables.',
    data: dataSchema({
      flowId: z.string().min(1).max(128).meta({ description: 'Id of the flow to call (its active version is used).' }),
      event: identifierSchema.meta({ description: 'Name of the trigger.event in the called flow to start at.' }),
      payload: expressionMapField('Values passed to the called flow as `event.payload`.').optional(),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { flowId: 'onboarding', event: 'ask_phone', payload: { reason: '"booking"' } },
  }),
  'logic.end': nodeType({
    category: 'logic',
    summary: 'Ends the run (in a sub-flow: returns to the caller). A node whose only handle has no edge ends the run too.',
    data: dataSchema({}),
    outputs: none,
    handles: 'None.',
    suspends: false,
    example: {},
  }),
  'action.set': nodeType({
    category: 'action',
    summary: 'Sets a variable to the value of an expression, adds to a number, or appends to a list or text.',
    data: dataSchema({
      variable: variableField('Variable to change.'),
      op: z.enum(['set', 'increment', 'append']).default('set').meta({
        description:
          '`set`: replace; `increment`: add a number (null counts as 0); `append`: add an item to a list or text to a text (null counts as empty).',
      }),
      value: expressionField('The value (for `increment`: the amount).'),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { variable: 'user.visits', op: 'increment', value: '1' },
  }),
  'action.http': nodeType({
    category: 'action',
    summary:
      'Calls an HTTP API. 2xx responses take `success` (after `saveResponse`); other statuses, network errors and timeouts take `error`.',
    data: dataSchema({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET').meta({ description: 'HTTP method.' }),
      url: templateField('URL; the scheme and host are literal text, placeholders may follow them (`secret.NAME` too).', {
        max: 2_000,
        prefix: [HTTP_URL, 'must start with http:// or https:// and a literal host'],
        roots: ['secret'],
      }),
      headers: z
        .record(
          headerNameSchema,
          templateField('Header value; `{{ secret.NAME }}` puts in a flow secret, e.g. `Bearer {{ secret.API_KEY }}`.', {
            max: 1_000,
            roots: ['secret'],
          }),
        )
        .refine((h) => Object.keys(h).length <= 20, 'must have at most 20 headers')
        .meta({ description: 'Request headers.' })
        .optional(),
      body: templateField('Request body; use json(…) to insert values into JSON safely.', { roots: ['secret'] }).optional(),
      timeoutMs: durationField('Time limit for the request in milliseconds (1 s to 30 s).', 1_000, 30_000).default(10_000),
      saveResponse: z.array(responseMappingSchema).max(20).meta({ description: 'Variables to set from a successful response.' }).optional(),
    }).superRefine((data, ctx) => {
      if (data.body !== undefined && data.method === 'GET') {
        ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request cannot have a body' });
      }
    }),
    outputs: () => ['success', 'error'],
    handles: '`success`, `error`.',
    suspends: false,
    example: {
      method: 'POST',
      url: 'https://api.example.com/answers',
      headers: { 'Content-Type': 'application/json' },
      body: '{"question": {{ json(run.question) }}}',
      saveResponse: [{ variable: 'run.answer', value: 'response.body.answer' }],
    },
  }),
  'action.notify': nodeType({
    category: 'action',
    summary: 'Sends a message to another chat, e.g. an admin group.',
    data: dataSchema({
      chatId: templateField('Chat to send to: a chat id or @channel, usually from a bot variable.', { max: 200 }),
      text: templateField('Text of the message.', { max: 4_096 }),
      parseMode: parseModeSchema.optional(),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { chatId: '{{ bot.adminChatId }}', text: 'New question from {{ from.firstName }}: {{ run.question }}' },
  }),
  'action.analytics': nodeType({
    category: 'action',
    summary: 'Records an analytics event with properties.',
    data: dataSchema({
      event: identifierSchema.meta({ description: 'Name of the event.' }),
      properties: expressionMapField('Properties of the event.').optional(),
    }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { event: 'booking_confirmed', properties: { service: 'run.service' } },
  }),
  'action.generation': nodeType({
    category: 'action',
    summary:
      'Starts a paid generation job and waits for its result. The job debits the credits; when it fails, is cancelled, or the balance is too low, no credits are kept and the run takes `refunded`. Meanwhile presses are answered at once; a press of the `cancelData` button cancels the job.',
    data: dataSchema({
      kind: identifierSchema.meta({ description: 'Kind of generation, e.g. `story`; it sets the price.' }),
      prompt: templateField('Prompt for the generator.', { max: 4_000 }),
      resultVariable: variableField('Variable that receives the generated text.').optional(),
      cancelData: callbackDataField(
        'Callback data of a button (sent before this node, e.g. "Cancel") whose press cancels the job while it runs: the credits are refunded and the run takes `refunded`.',
      ).optional(),
    }),
    outputs: () => ['success', 'refunded'],
    handles: '`success`, `refunded`.',
    suspends: false,
    example: { kind: 'story', prompt: 'A short story about {{ run.topic }}', resultVariable: 'run.story' },
  }),
  'action.credits': nodeType({
    category: 'action',
    summary: "Reads the user's credit balance into a variable.",
    data: dataSchema({ variable: variableField('Variable that receives the balance (a number).') }),
    outputs: next,
    handles: '`next`.',
    suspends: false,
    example: { variable: 'run.balance' },
  }),
  'payment.invoice': nodeType({
    category: 'action',
    summary:
      'Sells a credit pack for Telegram Stars: sends an invoice (currency XTR) and waits for its payment. The credits are added once per payment, whatever the chat is doing; then `payment.credits` and `payment.balance` are set and the run takes `paid`. A payment that arrives after the run moved on is credited too, and the user is told.',
    data: dataSchema({
      title: templateField('Invoice title; 1–32 characters (cut to 32 once rendered).', { max: 32 }),
      description: templateField('Invoice description; 1–255 characters (cut to 255 once rendered).', { max: 255 }),
      stars: z.number().int().min(1).max(10_000).meta({ description: 'Price in whole Telegram Stars (1 to 10,000).' }),
      credits: z.number().int().min(1).max(1_000_000_000).meta({ description: 'Credits added when it is paid.' }),
      timeoutMs: durationField(
        'How long the invoice can be paid, in milliseconds (1 s to 30 days). When set, the node gets a `timeout` handle taken when no payment arrives in time; without it the invoice can be paid for 24 hours.',
        1_000,
        30 * DAY_MS,
      ).optional(),
    }),
    outputs: (data) => (data.timeoutMs === undefined ? ['paid'] : ['paid', 'timeout']),
    handles:
      '`paid` when the payment for this invoice arrives; `timeout` (only when `timeoutMs` is set) when it does not arrive in time – the invoice cannot be paid after that.',
    suspends: true,
    example: { title: '100 credits', description: 'A pack of 100 credits for stories', stars: 50, credits: 100, timeoutMs: 600_000 },
  }),
} as const;

export type NodeCatalogue = typeof nodeCatalogue;
export type NodeType = keyof NodeCatalogue;
export type NodeData<T extends NodeType> = z.output<NodeCatalogue[T]['data']>;

export const nodeTypes = Object.keys(nodeCatalogue) as NodeType[];

export function isNodeType(type: string): type is NodeType {
  return Object.prototype.hasOwnProperty.call(nodeCatalogue, type);
}
