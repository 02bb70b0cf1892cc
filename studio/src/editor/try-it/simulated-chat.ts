import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from '../../api';

/**
 * The chat simulator as the studio uses it: the emulator's control API under
 * `/simulator/telegram/emulator` (src/telegram-emulator/control-api.ts, page scope), called with
 * the operator token in the Authorization header (the simulator accepts it as the page's session
 * cookie; a read-only token is refused). The studio plays a simulated Telegram user.
 */
const control = (path: string) => `/simulator/telegram/emulator${path}`;

/** `GET /simulator/config`. */
export interface SimulatorConfig {
  bots: { id: string; username: string | null }[];
  demoUserId: number;
  simulatedIdBase: number;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

/** A Telegram message as the emulator keeps it (the fields the panel shows). */
export interface SimulatedMessage {
  message_id: number;
  from?: { is_bot?: boolean };
  text?: string;
  caption?: string;
  photo?: unknown;
  video?: unknown;
  document?: { file_name?: string };
  contact?: { phone_number?: string };
  reply_markup?: { inline_keyboard?: InlineButton[][] };
}

export interface ReplyKeyboard {
  keyboard?: { text: string; request_contact?: boolean }[][];
}

/** What a call of the bots (a summary: no other parameters) looks like on the event stream. */
interface CallEvent {
  bot: number | null;
  method: string;
  params: { chat_id?: number | string; callback_query_id?: string; text?: string };
}

export const pressedKey = (messageId: number, callbackData: string) => `${messageId}:${callbackData}`;

/** The played user's name, as the simulator page plays it. */
const profile = { firstName: 'Demo' };

export interface SimulatedChat {
  messages: SimulatedMessage[];
  replyKeyboard: ReplyKeyboard | null;
  /** Buttons pressed whose answer has not come yet, as `pressedKey(messageId, callbackData)`. */
  pending: ReadonlySet<string>;
  /** The bot's answer to a pressed button (a toast), while it shows. */
  notice: string | null;
  error: string | null;
  sendText(text: string): Promise<void>;
  press(callbackData: string, messageId: number): Promise<void>;
  shareContact(): Promise<void>;
}

/**
 * One simulated private chat (the chat id is the user id): its messages, refreshed whenever the
 * bot calls Telegram for it (the emulator's event stream, resumed when it drops), and the user's
 * moves. `onActivity` is told of every change, so the chat's execution is looked at again.
 */
export function useSimulatedChat(api: Api, botId: string, chatId: number, onActivity: () => void): SimulatedChat {
  const [messages, setMessages] = useState<SimulatedMessage[]>([]);
  const [replyKeyboard, setReplyKeyboard] = useState<ReplyKeyboard | null>(null);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Callback query id → the pressed button's key; ids the bot answered (an answer may come before the press returns).
  const pressed = useRef(new Map<string, string>());
  const answered = useRef(new Set<string>());
  const activity = useRef(onActivity);
  activity.current = onActivity;
  const chatPath = control(`/bots/${encodeURIComponent(botId)}/chats/${chatId}`);

  const refresh = useCallback(async () => {
    try {
      const chat = await api.get<{ messages: SimulatedMessage[]; replyKeyboard: ReplyKeyboard | null }>(chatPath);
      setMessages(chat.messages);
      setReplyKeyboard(chat.replyKeyboard);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [api, chatPath]);

  useEffect(() => {
    setMessages([]);
    setPending(new Set());
    void refresh();
    const controller = new AbortController();
    let noticeTimer: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      let retry = 500;
      while (!controller.signal.aborted) {
        try {
          await api.stream(
            control('/events'),
            (event) => {
              if (event.event !== 'call') return;
              const call = JSON.parse(event.data) as CallEvent;
              if (String(call.bot) !== botId) return;
              retry = 500;
              if (call.method.toLowerCase() === 'answercallbackquery') {
                const id = call.params.callback_query_id ?? '';
                answered.current.add(id);
                const key = pressed.current.get(id);
                pressed.current.delete(id);
                if (key) setPending((current) => new Set([...current].filter((p) => p !== key)));
                if (call.params.text) {
                  setNotice(call.params.text);
                  clearTimeout(noticeTimer);
                  noticeTimer = setTimeout(() => setNotice(null), 4000);
                }
                return;
              }
              if (String(call.params.chat_id) === String(chatId)) {
                void refresh();
                activity.current();
              }
            },
            controller.signal,
          );
        } catch {
          if (controller.signal.aborted) return;
        }
        // Dropped: whatever happened meanwhile is read again, then the stream is resumed.
        await new Promise((resolve) => setTimeout(resolve, retry));
        retry = Math.min(retry * 2, 10_000);
        void refresh();
      }
    })();
    return () => {
      controller.abort();
      clearTimeout(noticeTimer);
    };
  }, [api, botId, chatId, refresh]);

  const userPath = control(`/bots/${encodeURIComponent(botId)}/users/${chatId}`);
  const act = async (kind: 'text' | 'button' | 'contact', body: Record<string, unknown>) => {
    try {
      const answer = await api.request<{ callback_query?: { id: string } }>('POST', `${userPath}/${kind}`, {
        body: { ...profile, ...body },
      });
      setError(null);
      activity.current();
      await refresh();
      return answer.body;
    } catch (err) {
      setError((err as Error).message);
      return null;
    }
  };

  return {
    messages,
    replyKeyboard,
    pending,
    notice,
    error,
    sendText: async (text) => void (await act('text', { text })),
    press: async (callbackData, messageId) => {
      const key = pressedKey(messageId, callbackData);
      setPending((current) => new Set([...current, key]));
      const update = await act('button', { callbackData, messageId });
      const id = update?.callback_query?.id;
      if (id && !answered.current.has(id)) pressed.current.set(id, key);
      else setPending((current) => new Set([...current].filter((p) => p !== key)));
    },
    shareContact: async () => void (await act('contact', {})),
  };
}
