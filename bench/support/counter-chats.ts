/**
 * Users of the counter bot (support/counter-flow.ts) as the chat benches play them: each chat sends
 * /start, then presses "count"; the emulator's webhook tries and Bot API calls are matched to each
 * chat's steps, all on the one clock (support/clock.ts).
 */
import type { BotIdentity, DeliveryAttempt, EmulatedUser, RecordedCall, TelegramEmulator } from '../../src/telegram-emulator';
import { chatIdParam } from '../../src/telegram-emulator/request-params';
import { epochNow } from './clock';
import { counterReply } from './counter-flow';

/** One update of one chat, from the user's action to the bot's reply. Times: epoch ms. */
export interface Step {
  chat: SimChat;
  /** 0: /start; then the presses. */
  index: number;
  expect: string;
  updateId?: number;
  callbackId?: string;
  /** The user acted (the update was handed to the emulator). */
  sentAt?: number;
  /** The emulator began its first delivery try (waiting for a free webhook connection, then the POST). */
  firstTryAt?: number;
  /** The webhook answered 2xx (the update is durable in Temporal). */
  ackAt?: number;
  tries: number;
  failedTries: number;
  gaveUp: boolean;
  /** The bot's sendMessage with the expected text reached the emulator. */
  replyAt?: number;
  replies: number;
  answerAt?: number;
  answers: number;
  /** answerCallbackQuery calls refused (a second answer of the same press is refused). */
  answerErrors: number;
  /** Earliest moment Telegram's pacing (chat and bot buckets) allowed this reply; -Infinity: never held. */
  tokenAt?: number;
}

export interface SimChat {
  bot: BotIdentity;
  user: EmulatedUser;
  steps: Step[];
  /** Index of the next step to send. */
  next: number;
  /** A warm-up chat: its replies are not counted in `replied`. */
  warmup: boolean;
}

/**
 * The simulated chats of one run, and what the emulator saw of them (webhook tries, Bot API
 * calls) matched to their steps. Listens from `attach()` to `detach()`.
 */
export class CounterChats {
  readonly byUpdate = new Map<string, Step>();
  readonly byReply = new Map<string, Step>();
  readonly byCallback = new Map<string, Step>();
  /** Every successful sendMessage per bot (warm-up included), for the bot-bucket replay. */
  readonly sendsByBot = new Map<number, number[]>();
  replied = 0;
  failedSends = 0;
  readonly unexpected: string[] = [];
  unexpectedCount = 0;
  readonly deliveryErrors = new Map<string, number>();
  /** Called once per step, when its expected reply first arrives (outside the emulator's call stack). */
  onReplied: (step: Step) => void = () => undefined;

  /** @param webhookMaxAttempts the emulator's tries per update: a step whose last try failed has `gaveUp`. */
  constructor(
    private readonly emulator: TelegramEmulator,
    private readonly webhookMaxAttempts = Number.POSITIVE_INFINITY,
  ) {}

  attach(): this {
    this.emulator.on('delivery', this.onDelivery);
    this.emulator.on('call', this.onCall);
    return this;
  }

  detach(): void {
    this.emulator.off('delivery', this.onDelivery);
    this.emulator.off('call', this.onCall);
  }

  /** A new user of `bot` with `steps` updates to send: /start, then presses. */
  newChat(bot: BotIdentity, firstName: string, steps: number, warmup = false): SimChat {
    const chat: SimChat = { bot, user: this.emulator.user(bot.id, { firstName }), steps: [], next: 0, warmup };
    for (let i = 0; i < steps; i++) {
      const step: Step = {
        chat,
        index: i,
        expect: counterReply(i),
        tries: 0,
        failedTries: 0,
        gaveUp: false,
        replies: 0,
        answers: 0,
        answerErrors: 0,
      };
      chat.steps.push(step);
      this.byReply.set(`${bot.id}:${chat.user.chatId}:${step.expect}`, step);
    }
    return chat;
  }

  /** Sends the chat's next update: /start, then a press of "count". */
  send(chat: SimChat): void {
    const step = chat.steps[chat.next];
    if (!step) return;
    chat.next += 1;
    step.sentAt = epochNow();
    if (step.index === 0) step.updateId = chat.user.sendText('/start').update_id;
    else {
      const update = chat.user.pressButton('count');
      step.updateId = update.update_id;
      step.callbackId = update.callback_query.id;
    }
    this.byUpdate.set(`${chat.bot.id}:${step.updateId}`, step);
    if (step.callbackId !== undefined) this.byCallback.set(step.callbackId, step);
  }

  readonly onDelivery = (attempt: DeliveryAttempt): void => {
    const step = this.byUpdate.get(`${attempt.bot}:${attempt.updateId}`);
    if (!step || attempt.redelivery) return;
    step.tries += 1;
    step.firstTryAt ??= attempt.at;
    if (attempt.ok) step.ackAt ??= epochNow();
    else {
      step.failedTries += 1;
      const reason = attempt.error ?? `HTTP ${attempt.status ?? '?'}`;
      this.deliveryErrors.set(reason, (this.deliveryErrors.get(reason) ?? 0) + 1);
      if (attempt.attempt >= this.webhookMaxAttempts) step.gaveUp = true;
    }
  };

  readonly onCall = (call: RecordedCall): void => {
    const method = call.method.toLowerCase();
    if (method === 'sendmessage') {
      if (!call.response.ok) {
        this.failedSends += 1;
        return;
      }
      if (call.bot !== undefined) {
        const list = this.sendsByBot.get(call.bot) ?? [];
        list.push(call.at);
        this.sendsByBot.set(call.bot, list);
      }
      const text = typeof call.params.text === 'string' ? call.params.text : '';
      const step = this.byReply.get(`${call.bot}:${chatIdParam(call.params)}:${text}`);
      if (!step) {
        this.unexpectedCount += 1;
        if (this.unexpected.length < 5)
          this.unexpected.push(`bot ${call.bot} chat ${String(call.params.chat_id)}: ${JSON.stringify(text).slice(0, 80)}`);
        return;
      }
      step.replies += 1;
      if (step.replyAt === undefined) {
        step.replyAt = call.at;
        if (!step.chat.warmup) this.replied += 1;
        // Out of the emulator's call stack: the next action is a new update, not part of this call.
        queueMicrotask(() => this.onReplied(step));
      }
    } else if (method === 'answercallbackquery') {
      const step = this.byCallback.get(String(call.params.callback_query_id));
      if (!step) return;
      if (!call.response.ok) {
        step.answerErrors += 1;
        return;
      }
      step.answers += 1;
      step.answerAt ??= call.at;
    }
  };
}
