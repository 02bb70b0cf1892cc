import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiProblem } from '../api';
import { exampleFlows } from '../examples';
import { emptyFlow } from '../flow/doc';
import { navigate, routeHref } from '../route';
import { useSession } from '../session';

interface Bot {
  id: string;
  username: string | null;
  mainFlowId: string;
  simulator: 'off' | 'on' | 'only';
  disabled: boolean;
}
interface FlowSummary {
  id: string;
  activeVersionId: string | null;
  hasDraft: boolean;
  updatedAt: string;
}
interface Version {
  id: string;
  version: number;
  active: boolean;
  publishedAt: string;
}

/** Bots, their flows and versions; a new flow from an empty canvas or an example. */
export function BotsPage() {
  const { api } = useSession();
  const [bots, setBots] = useState<Bot[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .get<{ items: Bot[] }>('/api/bots')
      .then((answer) => setBots(answer.items))
      .catch((err: Error) => setError(err.message));
  }, [api]);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!bots) return <p>Loading bots…</p>;
  if (bots.length === 0) return <p>No bots yet: register one with POST /api/bots (see /docs).</p>;
  return (
    <div className="bots">
      <h1>Bots and flows</h1>
      {bots.map((bot) => (
        <BotCard key={bot.id} bot={bot} />
      ))}
    </div>
  );
}

function BotCard({ bot }: { bot: Bot }) {
  const { api } = useSession();
  const [flows, setFlows] = useState<FlowSummary[] | null>(null);
  const load = useCallback(() => {
    api
      .get<{ items: FlowSummary[] }>(`/api/bots/${encodeURIComponent(bot.id)}/flows`)
      .then((answer) => setFlows(answer.items))
      .catch(() => setFlows([]));
  }, [api, bot.id]);
  useEffect(load, [load]);
  return (
    <section className="card" aria-label={`bot ${bot.username ?? bot.id}`}>
      <h2>
        {bot.username ? `@${bot.username}` : bot.id}
        {bot.disabled && <span className="badge">disabled</span>}
        {bot.simulator !== 'off' && <span className="badge">in the simulator</span>}
      </h2>
      <table className="flows">
        <thead>
          <tr>
            <th>Flow</th>
            <th>Versions</th>
            <th>Draft</th>
            <th>Changed</th>
          </tr>
        </thead>
        <tbody>
          {flows?.map((flow) => (
            <FlowRow key={flow.id} bot={bot} flow={flow} />
          ))}
        </tbody>
      </table>
      <NewFlowForm bot={bot} existing={flows?.map((f) => f.id) ?? []} />
    </section>
  );
}

function FlowRow({ bot, flow }: { bot: Bot; flow: FlowSummary }) {
  const { api } = useSession();
  const [versions, setVersions] = useState<Version[]>([]);
  useEffect(() => {
    api
      .get<{ items: Version[] }>(`/api/bots/${encodeURIComponent(bot.id)}/flows/${encodeURIComponent(flow.id)}/versions`)
      .then((answer) => setVersions(answer.items))
      .catch(() => setVersions([]));
  }, [api, bot.id, flow.id]);
  const active = versions.find((v) => v.active);
  return (
    <tr>
      <td>
        <a href={routeHref({ page: 'editor', botId: bot.id, flowId: flow.id })}>{flow.id}</a>
        {flow.id === bot.mainFlowId && <span className="badge">main</span>}
      </td>
      <td>{versions.length === 0 ? 'none published' : `${versions.length} (v${active?.version ?? '?'} active)`}</td>
      <td>{flow.hasDraft ? 'yes' : 'no'}</td>
      <td>{new Date(flow.updatedAt).toLocaleString()}</td>
    </tr>
  );
}

function NewFlowForm({ bot, existing }: { bot: Bot; existing: string[] }) {
  const { api, canWrite } = useSession();
  const [flowId, setFlowId] = useState('');
  const [from, setFrom] = useState('empty');
  const [error, setError] = useState<string | null>(null);
  if (!canWrite) return null;
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const example = exampleFlows.find((e) => e.name === from);
    try {
      // If-None-Match: * – never overwrite a flow someone created meanwhile under the same id.
      await api.request('PUT', `/api/bots/${encodeURIComponent(bot.id)}/flows/${encodeURIComponent(flowId)}/draft`, {
        body: example ? example.flow() : emptyFlow(),
        headers: { 'if-none-match': '*' },
      });
      navigate({ page: 'editor', botId: bot.id, flowId });
    } catch (err) {
      setError(err instanceof ApiProblem && err.code === 'flow_exists' ? `A flow "${flowId}" exists already.` : (err as Error).message);
    }
  };
  const idProblem =
    flowId === ''
      ? null
      : !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(flowId)
        ? 'lower-case letters, digits, _ and -'
        : existing.includes(flowId)
          ? 'taken'
          : null;
  return (
    <form className="new-flow" onSubmit={(e) => void create(e)}>
      <label>
        New flow id
        <input value={flowId} onChange={(e) => setFlowId(e.target.value)} placeholder="e.g. main" aria-invalid={idProblem !== null} />
      </label>
      <label>
        from
        <select value={from} onChange={(e) => setFrom(e.target.value)}>
          <option value="empty">an empty canvas</option>
          {exampleFlows.map((e) => (
            <option key={e.name} value={e.name}>
              the example: {e.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={flowId === '' || idProblem !== null}>
        Create flow
      </button>
      {idProblem && <span className="hint">{idProblem}</span>}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
