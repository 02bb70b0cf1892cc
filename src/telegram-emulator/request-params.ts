import { BotApiError } from './errors';
import { multipartBoundary, parseMultipart } from './multipart';
import type { ApiParams } from './types';

function isParams(value: unknown): value is ApiParams {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Method parameters from a body in any encoding the Bot API takes: JSON, a urlencoded form, or
 * multipart (where file parts become UploadedFile values). Used for requests and for the method
 * a webhook puts in its response body.
 */
export function paramsFromBody(contentType: string | undefined, body: Buffer): ApiParams {
  if (body.length === 0 || contentType === undefined) return {};
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  const text = () => body.toString('utf8');
  switch (mediaType) {
    case 'application/json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text());
      } catch {
        throw BotApiError.badRequest('request body is not valid JSON');
      }
      return isParams(parsed) ? parsed : {};
    }
    case 'application/x-www-form-urlencoded':
      return Object.fromEntries(new URLSearchParams(text()));
    case 'multipart/form-data': {
      const boundary = multipartBoundary(contentType);
      if (boundary === undefined) return {};
      const form = parseMultipart(body, boundary);
      return { ...form.fields, ...form.files };
    }
    default:
      return {};
  }
}

/** Query-string parameters, which Telegram merges with the body's (the body wins). */
export function paramsFromQuery(search: string): ApiParams {
  return Object.fromEntries(new URLSearchParams(search));
}

/** The chat a call is about, whether chat_id came as a number or as form text. */
export function chatIdParam(params: ApiParams): number | undefined {
  const value = params.chat_id;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}
