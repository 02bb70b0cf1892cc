import { Markup, Telegram } from 'telegraf';
import {
  NoSuchButtonError,
  TelegramEmulator,
  UnknownBotError,
  WaitTimeoutError,
  type RunningEmulator,
} from '../../../src/telegram-emulator';

describe('telegram emulator: played users', () => {
  const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
  let emulator: TelegramEmulator;
  let server: RunningEmulator;
  let token: string;
  let telegram: Telegram;

  beforeEach(async () => {
    emulator = new TelegramEmulator({ clock: () => NOW });
    server = await emulator.start();
    token = emulator.createBot().token;
    telegram = new Telegram(token, { apiRoot: server.apiRoot });
  });

  afterEach(async () => {
    await server.close();
  });

  it('a user text is a message update from the user in their private chat, dated by the clock', () => {
    const alice = emulator.user(token, { id: 501, firstName: 'Alice', username: 'alice', languageCode: 'de' });
    const update = alice.sendText('hello');

    expect(update).toEqual({
      update_id: 1,
      message: {
        message_id: 1,
        from: { id: 501, is_bot: false, first_name: 'Alice', username: 'alice', language_code: 'de' },
        chat: { id: 501, type: 'private', first_name: 'Alice', username: 'alice' },
        date: Math.floor(NOW / 1000),
        text: 'hello',
      },
    });
    expect(alice.chatId).toBe(501);
  });

  it('a command carries a bot_command entity, as Telegram marks it', () => {
    const user = emulator.user(token);
    expect(user.sendText('/start promo_42').message.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);
    expect(user.sendText('/help@shop_bot').message.entities).toEqual([{ type: 'bot_command', offset: 0, length: 14 }]);
    expect(user.sendText('see a/b').message.entities).toBeUndefined();
  });

  it('users made up without an id are different people; the same id is the same person', () => {
    const first = emulator.user(token);
    const second = emulator.user(token);
    expect(first.id).not.toBe(second.id);
    emulator.user(token, { id: 9, firstName: 'Nine' });
    expect(emulator.user(token, { id: 9 }).profile.first_name).toBe('Nine');
  });

  it('pressing a button finds the latest bot message that shows it and sends a callback query', async () => {
    const user = emulator.user(token);
    const older = await telegram.sendMessage(user.chatId, 'Old menu', Markup.inlineKeyboard([Markup.button.callback('Buy', 'buy')]));
    const newer = await telegram.sendMessage(user.chatId, 'New menu', Markup.inlineKeyboard([Markup.button.callback('Buy', 'buy')]));

    const latest = user.pressButton('buy');
    const chosen = user.pressButton('buy', { messageId: older.message_id });

    expect(latest.callback_query).toMatchObject({
      from: { id: user.id },
      data: 'buy',
      message: { message_id: newer.message_id, text: 'New menu' },
      chat_instance: expect.any(String),
    });
    expect(chosen.callback_query.message).toMatchObject({ message_id: older.message_id });
    expect(latest.callback_query.id).not.toBe(chosen.callback_query.id);
    expect(latest.callback_query.chat_instance).toBe(chosen.callback_query.chat_instance);
  });

  it('pressing a button that is not on screen throws', async () => {
    const user = emulator.user(token);
    const menu = await telegram.sendMessage(user.chatId, 'Menu', Markup.inlineKeyboard([Markup.button.callback('Buy', 'buy')]));
    expect(() => user.pressButton('sell')).toThrow(NoSuchButtonError);
    await telegram.editMessageReplyMarkup(user.chatId, menu.message_id, undefined, undefined);
    expect(() => user.pressButton('buy')).toThrow(NoSuchButtonError);
    expect(() => user.pressButton('buy', { messageId: 999 })).toThrow(NoSuchButtonError);
  });

  it("sharing a contact sends the user's own contact card", () => {
    const user = emulator.user(token, { id: 321, firstName: 'Carol', lastName: 'Jones' });
    expect(user.shareContact('+15550001111').message.contact).toEqual({
      phone_number: '+15550001111',
      first_name: 'Carol',
      last_name: 'Jones',
      user_id: 321,
    });
    expect(user.shareContact().message.contact.phone_number).toMatch(/^\+1555\d{7}$/);
  });

  it('the chat lists user and bot messages in the order they were sent', async () => {
    const user = emulator.user(token);
    user.sendText('hi');
    await telegram.sendMessage(user.chatId, 'hello');
    user.shareContact();
    expect(user.messages().map((m) => [m.message_id, m.from?.is_bot])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(emulator.messages(user.chatId)).toEqual(user.messages());
  });

  it('injected updates reach the bot as given, duplicates included', async () => {
    const first = emulator.injectUpdate(token, { message: { text: 'no sender at all' } });
    emulator.injectUpdate(token, { ...first });

    const updates = await telegram.getUpdates(0, 100, 0, []);
    expect(updates).toEqual([first, first]);
    expect(first.update_id).toEqual(expect.any(Number));
  });

  it('waitFor resolves with a call already made, and with one still to come', async () => {
    await telegram.sendMessage(5, 'earlier');
    expect((await emulator.waitFor({ method: 'sendMessage' })).params).toMatchObject({ text: 'earlier' });

    const later = emulator.waitFor((call) => call.method === 'sendMessage' && call.params.text === 'later');
    await telegram.sendMessage(5, 'later');
    expect((await later).params).toMatchObject({ text: 'later' });
  });

  it('waitFor rejects with the calls it saw when nothing matches in time', async () => {
    await telegram.getMe();
    const waiting = emulator.waitFor({ method: 'sendMessage' }, 20);
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(waiting).rejects.toThrow(/seen: getMe/);
  });

  it('emits every call to live listeners', async () => {
    const seen: string[] = [];
    emulator.on('call', (call) => seen.push(call.method));
    await telegram.getMe();
    await telegram.sendChatAction(5, 'typing');
    expect(seen).toEqual(['getMe', 'sendChatAction']);
  });

  it('naming a bot it does not know is an error, and so is a chat shared by two bots without naming one', async () => {
    expect(() => emulator.user(424242)).toThrow(UnknownBotError);
    const other = emulator.createBot();
    await telegram.sendMessage(5, 'from the first bot');
    await new Telegram(other.token, { apiRoot: server.apiRoot }).sendMessage(5, 'from the second bot');
    expect(() => emulator.messages(5)).toThrow(/name the bot/);
    expect(emulator.messages(5, other.id)).toEqual([expect.objectContaining({ text: 'from the second bot' })]);
  });
});
