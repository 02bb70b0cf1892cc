import { useEffect, useState, type FormEvent } from 'react';
import { navigate, routeHref, useRoute } from '../route';
import { useSession } from '../session';
import type { ExecutionSummary } from './types';
import './executions.css';

/** The list's filters: the query of `GET /api/executions` (listExecutionsQuery in src/api/executions.ts). */
const textFilters = [
  { name: 'bot', label: 'Bot id' },
  { name: 'chat', label: 'Chat id' },
  { name: 'user', label: 'User id' },
  { name: 'kind', label: 'Job kind' },
] as const;
const statuses = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out', 'continued_as_new'];

interface Page {
  items: ExecutionSummary[];
  nextCursor: string | null;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '–');
/** `datetime-local` (local time, no zone) ⇄ the API's ISO date-time. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string | undefined) => {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** Chats and generation jobs from Temporal's visibility, filtered (the filters live in the URL), a page at a time. */
export function ExecutionsPage() {
  const route = useRoute();
  const filter = route.page === 'executions' ? (route.filter ?? {}) : {};
  const key = new URLSearchParams(filter).toString();
  return <ExecutionsList key={key} filter={filter} />;
}

function ExecutionsList({ filter }: { filter: Record<string, string> }) {
  const { api } = useSession();
  const [form, setForm] = useState<Record<string, string>>(filter);
  const [items, setItems] = useState<ExecutionSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      // A page of 25 unless the URL says otherwise (`limit`, as the API names it).
      const query = new URLSearchParams({ limit: '25', ...filter, ...(after ? { cursor: after } : {}) });
      const page = await api.get<Page>(`/api/executions?${query.toString()}`);
      setItems((current) => [...(after ? (current ?? []) : []), ...page.items]);
      setCursor(page.nextCursor);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setLoading(false);
    }
  };
  // The filter is fixed for this list (a new filter is a new list, see the key above).
  useEffect(() => void load(null), []);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const chosen = Object.fromEntries(Object.entries(form).filter(([, value]) => value.trim() !== ''));
    navigate({ page: 'executions', filter: chosen });
  };
  const field = (name: string) => ({
    value: form[name] ?? '',
    onChange: (event: { target: { value: string } }) => setForm((f) => ({ ...f, [name]: event.target.value })),
  });

  return (
    <div className="executions">
      <h1>Executions</h1>
      <form className="filters" onSubmit={apply} aria-label="filters">
        <label>
          Type
          <select {...field('type')}>
            <option value="">any</option>
            <option value="chat">chat</option>
            <option value="generation">generation</option>
          </select>
        </label>
        <label>
          Status
          <select {...field('status')}>
            <option value="">any</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        {textFilters.map((f) => (
          <label key={f.name}>
            {f.label}
            <input {...field(f.name)} size={14} />
          </label>
        ))}
        <label>
          Started after
          <input
            type="datetime-local"
            value={toLocal(form.startedAfter)}
            onChange={(e) => setForm((f) => ({ ...f, startedAfter: toIso(e.target.value) }))}
          />
        </label>
        <label>
          Started before
          <input
            type="datetime-local"
            value={toLocal(form.startedBefore)}
            onChange={(e) => setForm((f) => ({ ...f, startedBefore: toIso(e.target.value) }))}
          />
        </label>
        <button type="submit" className="primary">
          Filter
        </button>
        {Object.keys(filter).length > 0 && <a href={routeHref({ page: 'executions' })}>Clear</a>}
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {items === null ? (
        <p>Loading executions…</p>
      ) : items.length === 0 ? (
        <p className="empty">No execution matches.</p>
      ) : (
        <table className="execution-list">
          <thead>
            <tr>
              <th>Execution</th>
              <th>Type</th>
              <th>Status</th>
              <th>Bot</th>
              <th>Chat</th>
              <th>User</th>
              <th>Started</th>
              <th>Closed</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={`${e.workflowId}/${e.runId}`}>
                <td>
                  <a href={routeHref({ page: 'execution', workflowId: e.workflowId })}>
                    <code>{e.workflowId}</code>
                  </a>
                </td>
                <td>{e.type === 'generation' && e.kind ? `generation (${e.kind})` : (e.type ?? '–')}</td>
                <td>
                  <span className={`status status-${e.status}`}>{e.status.replace(/_/g, ' ')}</span>
                </td>
                <td>{e.botId ?? '–'}</td>
                <td>{e.chatId ?? '–'}</td>
                <td>{e.userId ?? '–'}</td>
                <td>{when(e.startedAt)}</td>
                <td>{when(e.closedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)} disabled={loading}>
          {loading ? 'Loading…' : 'More'}
        </button>
      )}
    </div>
  );
}
