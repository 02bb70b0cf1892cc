import type { Document, PhotoSize, Video } from 'telegraf/types';
import type { MediaInput } from './bot-api-params';
import type { EmulatedBot } from './emulated-bot';
import { UploadedFile } from './multipart';

/*
 * The file objects Telegram puts in media messages. No bytes are stored: a file sent by URL or
 * upload gets a fresh file_id, and a file sent by file_id keeps it, so a bot that stores the
 * file_id of what it sent and sends it again gets the same file back.
 */

interface FileIds {
  file_id: string;
  file_unique_id: string;
}

function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

function fileIds(bot: EmulatedBot, kind: string, input: MediaInput): FileIds {
  if (typeof input === 'string' && !isUrl(input)) return { file_id: input, file_unique_id: `unique-${input}` };
  const number = bot.nextFileNumber();
  return { file_id: `${kind}-${bot.id}-${number}`, file_unique_id: `unique-${kind}-${bot.id}-${number}` };
}

function fileName(input: MediaInput): string | undefined {
  if (input instanceof UploadedFile) return input.filename;
  if (!isUrl(input)) return undefined;
  const name = new URL(input).pathname.split('/').pop();
  return name === '' ? undefined : name;
}

function uploadDetails(input: MediaInput): { mime_type?: string; file_size?: number } {
  if (!(input instanceof UploadedFile)) return {};
  return { file_size: input.size, ...(input.contentType === undefined ? {} : { mime_type: input.contentType }) };
}

/** A thumbnail and the full size, as Telegram lists them (smallest first, so bots take the last). */
export function photoSizes(bot: EmulatedBot, input: MediaInput): PhotoSize[] {
  const full = fileIds(bot, 'photo', input);
  const size = input instanceof UploadedFile ? { file_size: input.size } : {};
  return [
    { file_id: `${full.file_id}-thumb`, file_unique_id: `${full.file_unique_id}-thumb`, width: 90, height: 68 },
    { ...full, width: 1280, height: 960, ...size },
  ];
}

export function videoFile(bot: EmulatedBot, input: MediaInput, dimensions: { width?: number; height?: number; duration?: number }): Video {
  const name = fileName(input);
  return {
    ...fileIds(bot, 'video', input),
    width: dimensions.width ?? 1280,
    height: dimensions.height ?? 720,
    duration: dimensions.duration ?? 0,
    mime_type: 'video/mp4',
    ...uploadDetails(input),
    ...(name === undefined ? {} : { file_name: name }),
  };
}

export function documentFile(bot: EmulatedBot, input: MediaInput): Document {
  const name = fileName(input);
  return {
    ...fileIds(bot, 'document', input),
    ...uploadDetails(input),
    ...(name === undefined ? {} : { file_name: name }),
  };
}
