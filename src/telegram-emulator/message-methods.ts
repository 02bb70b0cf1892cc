import type { InlineKeyboardMarkup, Message } from 'telegraf/types';
import type { BotApiContext } from './context';
import {
  deleteMessageParams,
  editMessageReplyMarkupParams,
  editMessageTextParams,
  parseParams,
  sendChatActionParams,
  sendDocumentParams,
  sendMessageParams,
  sendPhotoParams,
  sendVideoParams,
  type ReplyFields,
  type ReplyMarkupParam,
} from './bot-api-params';
import type { Conversation } from './conversation';
import { BotApiError } from './errors';
import { documentFile, photoSizes, videoFile } from './media-files';
import type { ApiParams, ChatMessage } from './types';

type Envelope = Pick<Message.CommonMessage, 'message_id' | 'from' | 'chat' | 'date' | 'reply_to_message' | 'reply_markup'>;
type ReplyMessage = NonNullable<Message.CommonMessage['reply_to_message']>;

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Telegram nests the replied-to message one level deep only. */
function asReplyMessage(message: ChatMessage): ReplyMessage {
  // A cast for refunded_payment, which telegraf's Message types predate.
  return { ...message, reply_to_message: undefined } as ReplyMessage;
}

function replyTarget(conversation: Conversation, fields: ReplyFields): ChatMessage | undefined {
  const messageId = fields.reply_parameters?.message_id ?? fields.reply_to_message_id;
  if (messageId === undefined) return undefined;
  const target = conversation.find(messageId);
  const sendAnyway = fields.reply_parameters?.allow_sending_without_reply ?? fields.allow_sending_without_reply ?? false;
  if (!target && !sendAnyway) throw BotApiError.badRequest('message to be replied not found');
  return target;
}

function inlineKeyboardOf(markup: ReplyMarkupParam | undefined): InlineKeyboardMarkup | undefined {
  return markup?.inline_keyboard ? { inline_keyboard: markup.inline_keyboard } : undefined;
}

/** A reply keyboard is not part of the message: it changes what the user's keyboard shows from now on. */
function applyReplyKeyboard(conversation: Conversation, markup: ReplyMarkupParam | undefined): void {
  if (markup?.keyboard) {
    const { keyboard, is_persistent, resize_keyboard, one_time_keyboard, input_field_placeholder } = markup;
    conversation.replyKeyboard = {
      keyboard,
      ...(is_persistent === undefined ? {} : { is_persistent }),
      ...(resize_keyboard === undefined ? {} : { resize_keyboard }),
      ...(one_time_keyboard === undefined ? {} : { one_time_keyboard }),
      ...(input_field_placeholder === undefined ? {} : { input_field_placeholder }),
    };
  } else if (markup?.remove_keyboard) {
    conversation.replyKeyboard = undefined;
  }
}

/** Starts a bot message. The reply target is checked before anything changes, so a failed send leaves the chat as it was. */
export function openBotMessage(
  ctx: BotApiContext,
  chatId: number,
  fields: ReplyFields,
): { conversation: Conversation; envelope: Envelope } {
  const conversation = ctx.bot.conversation(chatId);
  if (conversation.blockedByUser) throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
  const target = replyTarget(conversation, fields);
  applyReplyKeyboard(conversation, fields.reply_markup);
  const keyboard = inlineKeyboardOf(fields.reply_markup);
  const envelope: Envelope = {
    message_id: conversation.nextMessageId(),
    from: ctx.bot.profile,
    chat: conversation.chat,
    date: seconds(ctx.clock()),
    ...(target ? { reply_to_message: asReplyMessage(target) } : {}),
    ...(keyboard ? { reply_markup: keyboard } : {}),
  };
  return { conversation, envelope };
}

function captionOf(caption: string | undefined): { caption?: string } {
  return caption ? { caption } : {};
}

function post<M extends ChatMessage>(conversation: Conversation, message: M): M {
  conversation.append(message);
  return message;
}

export function sendMessage(ctx: BotApiContext, params: ApiParams): Message.TextMessage {
  const p = parseParams(sendMessageParams, params);
  const { conversation, envelope } = openBotMessage(ctx, p.chat_id, p);
  return post(conversation, { ...envelope, text: p.text });
}

export function sendPhoto(ctx: BotApiContext, params: ApiParams): Message.PhotoMessage {
  const p = parseParams(sendPhotoParams, params);
  const { conversation, envelope } = openBotMessage(ctx, p.chat_id, p);
  return post(conversation, { ...envelope, photo: photoSizes(ctx.bot, p.photo), ...captionOf(p.caption) });
}

export function sendVideo(ctx: BotApiContext, params: ApiParams): Message.VideoMessage {
  const p = parseParams(sendVideoParams, params);
  const { conversation, envelope } = openBotMessage(ctx, p.chat_id, p);
  const video = videoFile(ctx.bot, p.video, p);
  return post(conversation, { ...envelope, video, ...captionOf(p.caption) });
}

export function sendDocument(ctx: BotApiContext, params: ApiParams): Message.DocumentMessage {
  const p = parseParams(sendDocumentParams, params);
  const { conversation, envelope } = openBotMessage(ctx, p.chat_id, p);
  return post(conversation, { ...envelope, document: documentFile(ctx.bot, p.document), ...captionOf(p.caption) });
}

/** A message the bot itself sent; Telegram lets a bot edit nothing else. */
function editableMessage(ctx: BotApiContext, chatId: number, messageId: number): { conversation: Conversation; message: ChatMessage } {
  const conversation = ctx.bot.findConversation(chatId);
  const message = conversation?.find(messageId);
  if (!conversation || !message) throw BotApiError.badRequest('message to edit not found');
  if (message.from?.id !== ctx.bot.id) throw BotApiError.badRequest("message can't be edited");
  return { conversation, message };
}

function sameKeyboard(a: InlineKeyboardMarkup | undefined, b: InlineKeyboardMarkup | undefined): boolean {
  return JSON.stringify(a?.inline_keyboard ?? []) === JSON.stringify(b?.inline_keyboard ?? []);
}

/** Sets or, when absent, removes the inline keyboard: an edit without reply_markup drops it, as on Telegram. */
function withKeyboard<M extends ChatMessage>(message: M, keyboard: InlineKeyboardMarkup | undefined): M {
  const copy = { ...message };
  if (keyboard) copy.reply_markup = keyboard;
  else delete copy.reply_markup;
  return copy;
}

export function editMessageText(ctx: BotApiContext, params: ApiParams): Message.TextMessage {
  const p = parseParams(editMessageTextParams, params);
  const { conversation, message } = editableMessage(ctx, p.chat_id, p.message_id);
  if (!('text' in message)) throw BotApiError.badRequest('there is no text in the message to edit');
  const keyboard = inlineKeyboardOf(p.reply_markup);
  if (message.text === p.text && sameKeyboard(message.reply_markup, keyboard)) throw BotApiError.badRequest(NOT_MODIFIED);
  const edited = withKeyboard({ ...message, text: p.text, edit_date: seconds(ctx.clock()) }, keyboard);
  delete edited.entities;
  conversation.replace(edited);
  return edited;
}

/** Changing only the keyboard does not mark the message edited, as in Telegram's apps. */
export function editMessageReplyMarkup(ctx: BotApiContext, params: ApiParams): ChatMessage {
  const p = parseParams(editMessageReplyMarkupParams, params);
  const { conversation, message } = editableMessage(ctx, p.chat_id, p.message_id);
  const keyboard = inlineKeyboardOf(p.reply_markup);
  if (sameKeyboard(message.reply_markup, keyboard)) throw BotApiError.badRequest(NOT_MODIFIED);
  const edited = withKeyboard(message, keyboard);
  conversation.replace(edited);
  return edited;
}

/** In a private chat a bot may delete the user's messages as well as its own. */
export function deleteMessage(ctx: BotApiContext, params: ApiParams): true {
  const p = parseParams(deleteMessageParams, params);
  const removed = ctx.bot.findConversation(p.chat_id)?.remove(p.message_id) ?? false;
  if (!removed) throw BotApiError.badRequest('message to delete not found');
  return true;
}

/** Only recorded: the call log is where a simulator shows "typing…". */
export function sendChatAction(_ctx: BotApiContext, params: ApiParams): true {
  parseParams(sendChatActionParams, params);
  return true;
}
