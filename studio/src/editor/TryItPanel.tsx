import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiProblem } from '../api';
import { useFollowedExecution } from '../executions/follow';
import { locateVersion, type LocatedVersion } from '../executions/flow-version';
import { ChatTimeline } from '../executions/StepTimeline';
import { temporalUiHref } from '../executions/types';
import { pathMarks } from '../flow/path-marks';
import { routeHref } from '../route';
import { useSession } from '../session';
import { useEditor } from './editor-context';
import { pressedKey, useSimulatedChat, type SimulatedMessage, type SimulatorConfig } from './try-it/simulated-chat';
import './try-it/try-it.css';

interface Bot {
  id: string;
  username: string | null;
  simulator: 'off' | 'on' | 'only';
  disabled: boolean;
}

/**
 * The chat simulator beside the canvas: chat with the bot being edited as a simulated Telegram
 * user, and watch the node the chat is at light up on the canvas, with the path it took and a
 * live timeline. The chat runs the flow's active (published) version.
 */
export function TryItPanel() {
  const session = useSession();
  if (!session.canWrite)
    return (
      <p className="empty" role="status">
        Try it needs the operator token: a read-only token may watch executions but cannot chat with a bot in the simulator.
      </p>
    );
  return <TryIt />;
}

function TryIt() {
  const session = useSession();
  const { api } = session;
  const { botId } = useEditor();
  const botPath = `/api/bots/${encodeURIComponent(botId)}`;
  const [bot, setBot] = useState<Bot | null>(null);
  const [config, setConfig] = useState<SimulatorConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [switching, setSwitching] = useState(false);

  useEffect(() => {
    api
      .get<Bot>(botPath)
      .then(setBot)
      .catch((err: Error) => setError(err.message));
  }, [api, botPath]);
  const served = bot !== null && bot.simulator !== 'off';
  useEffect(() => {
    if (!served || !session.simulator) return;
    api
      .get<SimulatorConfig>('/simulator/config')
      .then(setConfig)
      .catch((err: Error) => setError(err.message));
  }, [api, served, session.simulator]);

  const switchOn = async () => {
    setSwitching(true);
    try {
      setBot((await api.request<Bot>('PATCH', botPath, { body: { simulator: true } })).body);
    } catch (err) {
      setError(err instanceof ApiProblem ? err.message : String(err));
    } finally {
      setSwitching(false);
    }
  };

  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!bot) return <p>Loading the bot…</p>;
  if (!session.simulator)
    return (
      <p className="empty" role="status">
        The chat simulator does not run in this process. It runs with <code>npm start</code> in local development, or with{' '}
        <code>SIMULATOR=on</code>.
      </p>
    );
  if (!served)
    return (
      <div className="empty" role="status">
        <p>
          This bot is not served in the chat simulator. Switching it on (<code>PATCH /api/bots/{bot.id}</code> with{' '}
          <code>{'{"simulator": true}'}</code>) lets you chat with it here as a simulated user; its real Telegram chats are untouched.
        </p>
        <button type="button" className="primary" onClick={() => void switchOn()} disabled={switching}>
          Serve this bot in the simulator
        </button>
      </div>
    );
  if (bot.disabled)
    return (
      <p className="empty" role="status">
        This bot is disabled: it answers no chat, in the simulator or on Telegram.
      </p>
    );
  if (!config) return <p>Opening the simulator…</p>;
  return <Conversation botId={bot.id} username={bot.username} config={config} />;
}

function Conversation({ botId, username, config }: { botId: string; username: string | null; config: SimulatorConfig }) {
  const session = useSession();
  const { api } = session;
  const editor = useEditor();
  const { doc, flowId, setOverlay } = editor;
  // Simulated users have ids from simulatedIdBase up (never a real person's); user 1 is the demo user.
  const [user, setUser] = useState(Math.max(1, config.demoUserId - config.simulatedIdBase));
  const chatId = config.simulatedIdBase + user;
  const workflowId = `chat:${botId}:${chatId}`;
  const followed = useFollowedExecution(api, workflowId);
  const chat = useSimulatedChat(api, botId, chatId, followed.poke);
  const [text, setText] = useState('');
  // The newest message stays in view, as in a chat app.
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [chat.messages]);
  const snapshot = followed.execution?.chat ?? null;
  const currentNode = snapshot?.currentNode ?? null;
  const { steps } = followed;
  const version = useVersionOf(snapshot?.flowVersionId ?? null);

  // The chat's path and the node it is at, on the editor's canvas (while this panel is open).
  useEffect(() => {
    setOverlay(steps.length > 0 || currentNode ? pathMarks(doc, steps, currentNode) : null);
  }, [doc, steps, currentNode, setOverlay]);
  useEffect(() => () => setOverlay(null), [setOverlay]);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    setText('');
    await chat.sendText(message);
  };
  const temporalHref = temporalUiHref(session.temporalUi, workflowId);

  return (
    <div className="try-it" data-testid="try-it">
      <div className="try-it-head">
        <span>
          Chatting with <strong>{username ? `@${username}` : botId}</strong> as simulated user{' '}
          <input
            type="number"
            min={1}
            value={user}
            onChange={(e) => setUser(Math.max(1, Math.floor(Number(e.target.value)) || 1))}
            aria-label="Simulated user"
            className="user-number"
          />
        </span>
        <button type="button" onClick={() => setUser((u) => u + 1)} title="A new simulated user: a fresh chat">
          New chat
        </button>
      </div>
      <p className="hint">
        {version
          ? version.flowId === flowId
            ? `The chat runs version ${version.version} of this flow${version.active ? '' : ' (no longer the active one)'}.`
            : `The chat is in flow "${version.flowId}" (version ${version.version}), not this one.`
          : 'The chat runs the active version of the bot’s main flow.'}{' '}
        Publish to try your changes.
      </p>
      <div className="chat-messages" data-testid="chat-messages" aria-live="polite" ref={list}>
        {chat.messages.length === 0 ? (
          <p className="empty">Say something to the bot, e.g. /start.</p>
        ) : (
          chat.messages.map((m) => <Bubble key={m.message_id} message={m} chat={chat} />)
        )}
      </div>
      {chat.notice && (
        <p className="toast" role="status">
          {chat.notice}
        </p>
      )}
      {chat.replyKeyboard?.keyboard && (
        <div className="reply-keyboard">
          {chat.replyKeyboard.keyboard.flat().map((b) => (
            <button key={b.text} type="button" onClick={() => void (b.request_contact ? chat.shareContact() : chat.sendText(b.text))}>
              {b.text}
            </button>
          ))}
        </div>
      )}
      <form className="composer" onSubmit={(e) => void send(e)}>
        <input value={text} onChange={(e) => setText(e.target.value)} aria-label="Message" placeholder="Message" />
        <button type="submit" className="primary">
          Send
        </button>
      </form>
      {chat.error && (
        <p className="error" role="alert">
          {chat.error}
        </p>
      )}
      <div className="try-it-state">
        <span>
          {snapshot ? (
            <>
              {snapshot.status}
              {currentNode && (
                <>
                  {' '}
                  at <code data-testid="try-it-node">{currentNode}</code>
                </>
              )}
            </>
          ) : followed.state === 'absent' ? (
            'not started yet'
          ) : followed.execution ? (
            followed.execution.status
          ) : (
            '…'
          )}
        </span>
        <span className="spacer" />
        <a href={routeHref({ page: 'execution', workflowId })}>Execution</a>
        {temporalHref && (
          <a href={temporalHref} target="_blank" rel="noopener noreferrer">
            Temporal
          </a>
        )}
      </div>
      {followed.error && <p className="hint">{followed.error}</p>}
      <ChatTimeline steps={steps} limit={12} />
    </div>
  );
}

function Bubble({ message, chat }: { message: SimulatedMessage; chat: ReturnType<typeof useSimulatedChat> }) {
  const mine = !message.from?.is_bot;
  const text = message.text ?? message.caption;
  return (
    <div className={`bubble ${mine ? 'user' : 'bot'}`} data-testid={mine ? 'user-message' : 'bot-message'}>
      {message.photo !== undefined && <span className="media">🖼 photo</span>}
      {message.video !== undefined && <span className="media">🎬 video</span>}
      {message.document && <span className="media">📄 {message.document.file_name ?? 'document'}</span>}
      {message.contact && <span className="media">📱 {message.contact.phone_number}</span>}
      {text && <span className="bubble-text">{text}</span>}
      {message.reply_markup?.inline_keyboard?.map((row, index) => (
        <div className="inline-row" key={index}>
          {row.map((button) =>
            button.url ? (
              // A bot's link opens only when it is a web or Telegram link (never javascript: or data:).
              /^(https?|tg):/i.test(button.url) ? (
                <a key={button.text} href={button.url} target="_blank" rel="noopener noreferrer">
                  {button.text}
                </a>
              ) : (
                <span key={button.text} className="hint" title={button.url}>
                  {button.text}
                </span>
              )
            ) : (
              <button
                key={button.text}
                type="button"
                aria-busy={chat.pending.has(pressedKey(message.message_id, button.callback_data ?? ''))}
                onClick={() => void chat.press(button.callback_data ?? '', message.message_id)}
              >
                {button.text}
              </button>
            ),
          )}
        </div>
      ))}
    </div>
  );
}

/** Which version of which flow of this bot a version id is (the chat's `flowVersionId`). */
function useVersionOf(versionId: string | null) {
  const { api } = useSession();
  const { botId, flowId } = useEditor();
  const [found, setFound] = useState<(LocatedVersion & { id: string }) | null>(null);
  useEffect(() => {
    if (!versionId) return;
    let current = true;
    locateVersion(api, botId, versionId, flowId)
      .then((located) => current && located && setFound({ ...located, id: versionId }))
      .catch(() => {});
    return () => {
      current = false;
    };
  }, [api, botId, flowId, versionId]);
  return found && found.id === versionId ? found : null;
}
