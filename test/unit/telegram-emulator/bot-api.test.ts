import { Markup, Telegram, TelegramError } from 'telegraf';
import { TelegramEmulator, type RunningEmulator } from '../../../src/telegram-emulator';

describe('telegram emulator: Bot API methods', () => {
  const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);
  let emulator: TelegramEmulator;
  let server: RunningEmulator;
  let token: string;
  let telegram: Telegram;

  async function post(method: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${server.apiRoot}/bot${token}/${method}`, { method: 'POST', ...init });
    return { status: response.status, body: await response.json() };
  }

  function texts(chatId: number): Array<string | undefined> {
    return emulator.messages(chatId).map((m) => ('text' in m ? m.text : undefined));
  }

  beforeEach(async () => {
    emulator = new TelegramEmulator({ clock: () => NOW });
    server = await emulator.start();
    token = emulator.createBot({ username: 'shop_bot', firstName: 'Shop' }).token;
    telegram = new Telegram(token, { apiRoot: server.apiRoot });
  });

  afterEach(async () => {
    await server.close();
  });

  it('answers an unknown token with 401 Unauthorized', async () => {
    const response = await fetch(`${server.apiRoot}/bot123:not-a-real-token/getMe`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
    await expect(new Telegram('123:nope', { apiRoot: server.apiRoot }).getMe()).rejects.toMatchObject({ code: 401 });
  });

  it('answers an unknown method with 404 Not Found', async () => {
    const response = await fetch(`${server.apiRoot}/bot${token}/sendTelepathy`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
  });

  it('getMe describes the bot, and generated tokens have the real form', async () => {
    const generated = emulator.createBot();
    expect(generated.token).toMatch(new RegExp(`^${generated.id}:[A-Za-z0-9_-]{35}$`));
    expect(await telegram.getMe()).toEqual({
      id: Number(token.split(':')[0]),
      is_bot: true,
      first_name: 'Shop',
      username: 'shop_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    });
  });

  it('matches method names case-insensitively, as Telegram does', async () => {
    const { status, body } = await post('GETME', {});
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, result: { username: 'shop_bot' } });
  });

  it('sendMessage returns the message with an id counting up per chat, the bot as sender and the date in seconds', async () => {
    const first = await telegram.sendMessage(5, 'one');
    const second = await telegram.sendMessage(5, 'two');
    const elsewhere = await telegram.sendMessage(6, 'other chat');

    expect(first).toEqual({
      message_id: 1,
      from: expect.objectContaining({ username: 'shop_bot', is_bot: true }),
      chat: { id: 5, type: 'private', first_name: 'User 5' },
      date: Math.floor(NOW / 1000),
      text: 'one',
    });
    expect([second.message_id, elsewhere.message_id]).toEqual([2, 1]);
  });

  it("rejects an empty text and a missing chat with Telegram's own descriptions", async () => {
    await expect(telegram.sendMessage(5, '  ')).rejects.toMatchObject({
      code: 400,
      description: 'Bad Request: message text is empty',
    });
    expect(await post('sendMessage', { body: JSON.stringify({ text: 'hi' }), headers: { 'content-type': 'application/json' } })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat_id is empty' },
    });
    await expect(telegram.sendMessage(5, 'x'.repeat(4097))).rejects.toMatchObject({ description: 'Bad Request: message is too long' });
  });

  it('reads urlencoded forms, with reply_markup as JSON text', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'Buy', callback_data: 'buy' }]] };
    const form = new URLSearchParams({ chat_id: '9', text: 'Deal?', reply_markup: JSON.stringify(keyboard) });
    const { status, body } = await post('sendMessage', { body: form });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, result: { chat: { id: 9 }, text: 'Deal?', reply_markup: keyboard } });
  });

  it('reads query-string parameters on GET', async () => {
    const response = await fetch(`${server.apiRoot}/bot${token}/sendMessage?chat_id=3&text=hello`);
    expect(await response.json()).toMatchObject({ ok: true, result: { chat: { id: 3 }, text: 'hello' } });
  });

  it('keeps the inline keyboard on the message and refuses callback data over 64 bytes', async () => {
    const sent = await telegram.sendMessage(
      5,
      'Pick',
      Markup.inlineKeyboard([Markup.button.callback('A', 'a'), Markup.button.url('Site', 'https://example.test')]),
    );
    expect(sent.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'A', callback_data: 'a' },
          { text: 'Site', url: 'https://example.test' },
        ],
      ],
    });
    await expect(
      telegram.sendMessage(5, 'Pick', Markup.inlineKeyboard([Markup.button.callback('Long', 'x'.repeat(65))])),
    ).rejects.toMatchObject({
      description: 'Bad Request: BUTTON_DATA_INVALID',
    });
  });

  it('a reply keyboard changes what the user sees until the bot removes it', async () => {
    await telegram.sendMessage(5, 'Share?', Markup.keyboard([[Markup.button.contactRequest('Share phone')]]).resize());
    expect(emulator.replyKeyboard(5)).toEqual({
      keyboard: [[{ text: 'Share phone', request_contact: true }]],
      resize_keyboard: true,
    });
    await telegram.sendMessage(5, 'Thanks', Markup.removeKeyboard());
    expect(emulator.replyKeyboard(5)).toBeUndefined();
  });

  it('a reply names the message it answers, and refuses an unknown one unless told to send anyway', async () => {
    const question = await telegram.sendMessage(5, 'Question');
    const answer = await telegram.sendMessage(5, 'Answer', { reply_parameters: { message_id: question.message_id } });
    expect(answer.reply_to_message).toMatchObject({ message_id: question.message_id, text: 'Question' });

    await expect(telegram.sendMessage(5, 'Lost', { reply_parameters: { message_id: 999 } })).rejects.toMatchObject({
      description: 'Bad Request: message to be replied not found',
    });
    const anyway = await telegram.sendMessage(5, 'Anyway', { reply_parameters: { message_id: 999, allow_sending_without_reply: true } });
    expect(anyway.reply_to_message).toBeUndefined();
  });

  it('editMessageText and deleteMessage change the chat, and an edit that changes nothing is refused', async () => {
    const user = emulator.user(token, { id: 77 });
    user.sendText('hi');
    const menu = await telegram.sendMessage(77, 'Menu', Markup.inlineKeyboard([Markup.button.callback('Go', 'go')]));
    const note = await telegram.sendMessage(77, 'Note');

    const edited = await telegram.editMessageText(77, menu.message_id, undefined, 'Menu (closed)');
    await telegram.deleteMessage(77, note.message_id);

    expect(edited).toMatchObject({ message_id: menu.message_id, text: 'Menu (closed)', edit_date: Math.floor(NOW / 1000) });
    expect(texts(77)).toEqual(['hi', 'Menu (closed)']);
    expect(emulator.messages(77)[1]?.reply_markup).toBeUndefined();
    await expect(telegram.editMessageText(77, menu.message_id, undefined, 'Menu (closed)')).rejects.toMatchObject({
      description: expect.stringMatching(/^Bad Request: message is not modified/),
    });
    await expect(telegram.deleteMessage(77, note.message_id)).rejects.toMatchObject({
      description: 'Bad Request: message to delete not found',
    });
    await expect(telegram.editMessageText(77, 1, undefined, 'not mine')).rejects.toMatchObject({
      description: "Bad Request: message can't be edited",
    });
  });

  it('editMessageReplyMarkup swaps or removes the keyboard without marking the message edited', async () => {
    const menu = await telegram.sendMessage(5, 'Menu', Markup.inlineKeyboard([Markup.button.callback('One', '1')]));
    const swapped = await telegram.editMessageReplyMarkup(
      5,
      menu.message_id,
      undefined,
      Markup.inlineKeyboard([Markup.button.callback('Two', '2')]).reply_markup,
    );
    expect(swapped).toMatchObject({ reply_markup: { inline_keyboard: [[{ text: 'Two', callback_data: '2' }]] } });
    expect(swapped).not.toHaveProperty('edit_date');

    await telegram.editMessageReplyMarkup(5, menu.message_id, undefined, undefined);
    expect(emulator.messages(5)[0]).not.toHaveProperty('reply_markup');
    await expect(telegram.editMessageReplyMarkup(5, menu.message_id, undefined, undefined)).rejects.toMatchObject({ code: 400 });
  });

  it('sends photos, videos and documents by URL or file_id, and a file_id sent again is the same file', async () => {
    const photo = await telegram.sendPhoto(5, 'https://example.test/cat.jpg', { caption: 'Cat' });
    const largest = photo.photo.at(-1);
    expect(photo.caption).toBe('Cat');
    expect(largest?.file_id).toEqual(expect.any(String));
    const again = await telegram.sendPhoto(5, largest?.file_id ?? '');
    expect(again.photo.at(-1)?.file_id).toBe(largest?.file_id);

    const video = await telegram.sendVideo(5, 'https://example.test/clip.mp4');
    expect(video.video).toMatchObject({ file_name: 'clip.mp4', mime_type: 'video/mp4' });
    const document = await telegram.sendDocument(5, 'https://example.test/terms.pdf', { caption: 'Terms' });
    expect(document).toMatchObject({ document: { file_name: 'terms.pdf' }, caption: 'Terms' });

    await expect(telegram.callApi('sendPhoto', { chat_id: 5 } as never)).rejects.toMatchObject({
      description: 'Bad Request: there is no photo in the request',
    });
  });

  it('accepts an upload sent as multipart form data', async () => {
    const sent = await telegram.sendPhoto(
      5,
      { source: Buffer.from('not really a jpeg'), filename: 'cat.jpg' },
      {
        caption: 'Uploaded',
        ...Markup.inlineKeyboard([Markup.button.callback('Like', 'like')]),
      },
    );
    expect(sent).toMatchObject({ caption: 'Uploaded', reply_markup: { inline_keyboard: [[{ callback_data: 'like' }]] } });
    expect(sent.photo.at(-1)).toMatchObject({ file_size: 'not really a jpeg'.length });
    const call = emulator.calls({ method: 'sendPhoto' })[0];
    expect(call?.params).toMatchObject({ chat_id: '5', caption: 'Uploaded', photo: { filename: 'cat.jpg' } });
  });

  it('sendChatAction accepts the known actions only', async () => {
    expect(await telegram.sendChatAction(5, 'typing')).toBe(true);
    await expect(telegram.callApi('sendChatAction', { chat_id: 5, action: 'dancing' } as never)).rejects.toMatchObject({
      description: 'Bad Request: wrong parameter action in request',
    });
  });

  it('answerCallbackQuery accepts one answer per button press', async () => {
    const user = emulator.user(token);
    await telegram.sendMessage(user.chatId, 'Rate us', Markup.inlineKeyboard([Markup.button.callback('5 stars', 'rate:5')]));
    const { callback_query: query } = user.pressButton('rate:5');

    expect(await telegram.answerCbQuery(query.id, 'Thanks!', { show_alert: true })).toBe(true);
    const second = telegram.answerCbQuery(query.id, 'Again');
    await expect(second).rejects.toBeInstanceOf(TelegramError);
    await expect(second).rejects.toMatchObject({
      description: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
    });
    expect(emulator.callbackAnswers(query.id)).toEqual([{ callbackQueryId: query.id, text: 'Thanks!', showAlert: true, at: NOW }]);
  });

  it('records every call with its bot, params, time and response', async () => {
    await telegram.sendMessage(5, 'logged');
    const [call] = emulator.calls({ bot: token, method: 'sendMessage' });
    expect(call).toEqual({
      bot: Number(token.split(':')[0]),
      method: 'sendMessage',
      params: { chat_id: 5, text: 'logged' },
      at: NOW,
      response: { ok: true, result: expect.objectContaining({ text: 'logged' }) },
      via: 'http',
    });
  });
});
