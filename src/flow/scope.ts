// The names an expression may start with. Declared variables live under the four scope
// roots; read-only facts about the current update live under the context roots. Anything else
// (`globalThis`, `process`, a typo) is refused by the validator and reads as null at runtime.

export const variableScopes = ['run', 'chat', 'user', 'bot'] as const;
export type VariableScope = (typeof variableScopes)[number];

export const scopeDescriptions: Readonly<Record<VariableScope, string>> = {
  run: "This run of the flow, from its trigger to its end. Starts from the declared defaults on every trigger. In a group each member has a run of their own: a member's command never replaces another member's run, and a wait is answered only by the member it waits for.",
  chat: 'This conversation (one chat with the bot). Kept between runs; kept when the chat goes idle.',
  user: 'This user of this bot, stored in PostgreSQL. The same in every chat with the bot.',
  bot: 'Shared by all users of the bot (e.g. an admin chat id), stored in PostgreSQL.',
};

export interface ContextRoot {
  readonly description: string;
  /** The fields an expression may read, with what each holds. */
  readonly fields: Readonly<Record<string, string>>;
  /** Fields holding free-form data: names below them are not checked. */
  readonly openFields?: readonly string[];
  /** Any name may follow the root (its members are named by the bot's data, like secrets). */
  readonly anyMember?: string;
}

/** Read-only context available to every expression and template. */
export const contextRoots: Readonly<Record<string, ContextRoot>> = {
  message: {
    description: 'The update that triggered the run or resumed its wait.',
    fields: {
      text: 'Text of the message (or caption); null for other updates.',
      args: 'Arguments after a command: "ref_42" for "/start ref_42"; null when none.',
      match: "Capture groups of the text trigger's or input pattern's match, as a list (item 0 is the whole match).",
      callbackData: 'Data of the pressed inline button; null for other updates.',
      phone: 'Phone number of a shared contact; null for other updates.',
      chatId: 'Id of the chat the update came from.',
    },
  },
  from: {
    description: 'The Telegram user who sent the update.',
    fields: {
      id: 'Telegram user id (a number).',
      firstName: 'First name.',
      lastName: 'Last name; null when not set.',
      username: 'Username without "@"; null when not set.',
      languageCode: "The user's language as Telegram reports it, or the flow's default locale.",
    },
  },
  event: {
    description: 'The external event that triggered the run (see trigger.event); null fields otherwise.',
    fields: {
      name: 'Name of the event.',
      payload: "The data sent with the event (any JSON object); for a sub-flow, the call's payload.",
    },
    openFields: ['payload'],
  },
  payment: {
    description: 'The Stars payment that resumed a payment.invoice node (its `paid` handle); null fields otherwise.',
    fields: {
      credits: 'Credits the payment added.',
      stars: 'Stars paid.',
      balance: "The user's credit balance right after the payment.",
      chargeId: "Telegram's id of the payment (telegram_payment_charge_id), needed to refund it.",
    },
  },
};

/** Roots only particular fields can read; a field opts in with its `x-flow-roots` metadata. */
export const fieldRoots: Readonly<Record<string, ContextRoot>> = {
  response: {
    description: 'The HTTP response, in the `saveResponse` expressions of action.http.',
    fields: {
      status: 'HTTP status code.',
      body: 'Response body: parsed JSON when the response is JSON, otherwise its text.',
      headers: 'Response headers, names in lower case.',
    },
    openFields: ['body', 'headers'],
  },
  secret: {
    description:
      "The bot's flow secrets, in the `url`, `headers` and `body` of action.http: `{{ secret.API_KEY }}`. Set them with `PUT /api/bots/{botId}/secrets/{name}`; the value is put in by the worker when the request is sent, so it never appears in the flow, in API answers or in the chat's workflow history (and is masked as [secret] in a response that echoes it).",
    fields: {},
    anyMember: 'A secret\'s name: a letter or "_", then letters, digits or "_".',
  },
};
