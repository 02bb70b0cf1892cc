import { log } from '@temporalio/workflow';
import { NEXT } from '../../../flow/next-handle';
import type { NodeOf } from '../../../flow/schema';
import { inlineMarkup, replyMarkup } from '../keyboards';
import type { Handlers, NodeRuntime, Outcome } from './handler';

type MessageKind = 'message.text' | 'message.photo' | 'message.video' | 'message.document' | 'message.edit' | 'message.delete';

const mediaMethods = { 'message.photo': 'sendPhoto', 'message.video': 'sendVideo', 'message.document': 'sendDocument' } as const;

/** Sends a photo, video or document, remembering it for message.edit and message.delete. */
async function sendMedia(node: NodeOf<'message.photo' | 'message.video' | 'message.document'>, rt: NodeRuntime): Promise<Outcome> {
  const { data } = node;
  const sent = await rt.send({
    method: mediaMethods[node.type],
    chatId: rt.chatId,
    media: data.url !== undefined ? rt.render(data.url) : (data.fileId as string),
    caption: data.caption === undefined ? undefined : rt.render(data.caption, data.parseMode),
    parseMode: data.parseMode,
    replyMarkup: replyMarkup(data.keyboard, rt.scope()),
  });
  if (sent.messageId !== undefined) rt.state.sentBy[node.id] = sent.messageId;
  return { handle: NEXT };
}

export const messageHandlers: Handlers<MessageKind> = {
  'message.text': {
    async execute(node, rt) {
      const sent = await rt.send({
        method: 'sendMessage',
        chatId: rt.chatId,
        text: rt.render(node.data.text, node.data.parseMode),
        parseMode: node.data.parseMode,
        replyMarkup: replyMarkup(node.data.keyboard, rt.scope()),
      });
      if (sent.messageId !== undefined) rt.state.sentBy[node.id] = sent.messageId;
      return { handle: NEXT };
    },
  },
  'message.photo': { execute: sendMedia },
  'message.video': { execute: sendMedia },
  'message.document': { execute: sendMedia },
  'message.edit': {
    async execute(node, rt) {
      const messageId = rt.targetMessage(node.data.target);
      if (messageId === null) log.info('message.edit found no message to edit', { node: node.id });
      else {
        await rt.send({
          method: 'editMessageText',
          chatId: rt.chatId,
          messageId,
          text: rt.render(node.data.text, node.data.parseMode),
          parseMode: node.data.parseMode,
          replyMarkup: node.data.keyboard ? inlineMarkup(node.data.keyboard, rt.scope()) : { inline_keyboard: [] },
        });
      }
      return { handle: NEXT };
    },
  },
  'message.delete': {
    async execute(node, rt) {
      const messageId = rt.targetMessage(node.data.target);
      if (messageId !== null) await rt.send({ method: 'deleteMessage', chatId: rt.chatId, messageId });
      return { handle: NEXT };
    },
  },
};
