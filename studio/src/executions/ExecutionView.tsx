import { useEffect, useMemo, useState } from 'react';
import { Canvas } from '../editor/Canvas';
import { pathMarks, type ChatStep } from '../flow/path-marks';
import { routeHref } from '../route';
import { useSession } from '../session';
import { useFollowedExecution } from './follow';
import { useFlowVersion, useMainFlowVersionId } from './flow-version';
import { ChatTimeline, HistoryTimeline } from './StepTimeline';
import { temporalUiHref, type Execution, type HistoryStep } from './types';
import '../editor/versions/versions.css';
import './executions.css';

/**
 * One execution. A running chat is drawn on the flow version it runs, with the path it took and
 * the node it is at, live from its step stream, beside its steps and variables; a generation
 * job shows its state and steps. Both link to the Temporal Web UI.
 */
export function ExecutionView({ workflowId }: { workflowId: string }) {
  const session = useSession();
  const followed = useFollowedExecution(session.api, workflowId);
  const { execution, state, error } = followed;
  const temporalHref = temporalUiHref(session.temporalUi, workflowId);

  return (
    <div className="execution-view">
      <div className="execution-head toolbar">
        <a href={routeHref({ page: 'executions' })} className="crumb">
          Executions
        </a>
        <code className="crumb-title">{workflowId}</code>
        {execution && (
          <span className={`status status-${execution.chat ? 'running' : execution.status}`} data-testid="execution-status">
            {execution.chat ? `running · ${execution.chat.status}` : execution.status.replace(/_/g, ' ')}
          </span>
        )}
        {state === 'live' && (
          <span className="live" title="Steps arrive as they happen">
            live
          </span>
        )}
        <span className="spacer" />
        {temporalHref ? (
          <a href={temporalHref} target="_blank" rel="noopener noreferrer" data-testid="temporal-link">
            Open in Temporal Web UI
          </a>
        ) : (
          <span className="hint">No Temporal Web UI is configured.</span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {state === 'absent' && !execution && <p className="empty">There is no execution {workflowId} (yet).</p>}
      {state === 'loading' && !execution && <p>Loading the execution…</p>}
      {execution &&
        (execution.chat ? <ChatExecution execution={execution} steps={followed.steps} /> : <OtherExecution execution={execution} />)}
    </div>
  );
}

function ChatExecution({ execution, steps }: { execution: Execution; steps: ChatStep[] }) {
  const { api } = useSession();
  const chat = execution.chat!;
  // A chat at rest runs no flow: it is drawn on the version it ran last (while this view was open),
  // else on the one its next message runs (the active version of the bot's main flow).
  const [ranLast, setRanLast] = useState<string | null>(chat.flowVersionId);
  useEffect(() => {
    if (chat.flowVersionId) setRanLast(chat.flowVersionId);
  }, [chat.flowVersionId]);
  const next = useMainFlowVersionId(api, chat.botId, ranLast === null);
  const found = useFlowVersion(api, chat.botId, ranLast ?? next);
  const version = found?.version ?? null;
  const marks = useMemo(() => (version ? pathMarks(version.doc, steps, chat.currentNode) : undefined), [version, steps, chat.currentNode]);
  const drawn = chat.flowVersionId ? 'runs' : ranLast ? 'is at rest; it ran' : 'is at rest; its next message runs';
  return (
    <div className="execution-body">
      <div className="execution-canvas">
        {version ? (
          <>
            <p className="picture-title">
              <span>
                The chat {drawn} flow <strong>{version.flowId}</strong>, version {version.version}
                {version.active ? ' (active)' : ' (no longer active)'}
              </span>
              <a href={routeHref({ page: 'editor', botId: chat.botId, flowId: version.flowId })}>open in the editor</a>
            </p>
            <Canvas doc={version.doc} marks={marks} />
          </>
        ) : (
          <p className="empty">
            {found
              ? (found.error ?? `The flow version ${ranLast ?? next ?? ''} was not found among the bot's flows.`)
              : 'Loading the flow version…'}
          </p>
        )}
      </div>
      <aside className="execution-side">
        <dl className="facts">
          <dt>Bot</dt>
          <dd>{chat.botId}</dd>
          <dt>Chat</dt>
          <dd>{chat.chatId}</dd>
          <dt>State</dt>
          <dd>
            {chat.status}
            {chat.waitingUntil ? ` until ${new Date(chat.waitingUntil).toLocaleString()}` : ''}
            {chat.queued > 0 ? ` (${chat.queued} queued)` : ''}
          </dd>
          <dt>Current node</dt>
          <dd data-testid="current-node">{chat.currentNode ?? '–'}</dd>
          <dt>Started</dt>
          <dd>{new Date(execution.startedAt).toLocaleString()}</dd>
        </dl>
        <h3>Variables</h3>
        <Variables title="run" values={chat.variables.run} />
        <Variables title="chat" values={chat.variables.chat} />
        <h3>Steps</h3>
        <ChatTimeline steps={steps} />
      </aside>
    </div>
  );
}

function Variables({ title, values }: { title: string; values: Record<string, unknown> }) {
  const entries = Object.entries(values);
  return (
    <table className="variables" aria-label={`${title} variables`} data-testid={`variables-${title}`}>
      <tbody>
        {entries.length === 0 ? (
          <tr>
            <td className="hint">no {title} variables</td>
          </tr>
        ) : (
          entries.map(([name, value]) => (
            <tr key={name}>
              <th>
                <code>
                  {title}.{name}
                </code>
              </th>
              <td>
                <code>{JSON.stringify(value)}</code>
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function OtherExecution({ execution }: { execution: Execution }) {
  const job = execution.job;
  return (
    <div className="execution-body">
      <aside className="execution-side wide">
        <dl className="facts">
          <dt>Type</dt>
          <dd>{execution.type}</dd>
          <dt>Status</dt>
          <dd>{execution.status}</dd>
          {execution.botId && (
            <>
              <dt>Bot</dt>
              <dd>{execution.botId}</dd>
            </>
          )}
          {execution.chatId && (
            <>
              <dt>Chat</dt>
              <dd>{execution.chatId}</dd>
            </>
          )}
          <dt>Started</dt>
          <dd>{new Date(execution.startedAt).toLocaleString()}</dd>
          <dt>Closed</dt>
          <dd>{execution.closedAt ? new Date(execution.closedAt).toLocaleString() : '–'}</dd>
        </dl>
        {execution.type === 'chatWorkflow' && (
          <p className="hint">
            This chat is not running: its path is in Temporal&apos;s history (below, and in the Temporal Web UI). Its next message starts it
            again.
          </p>
        )}
        {job && (
          <>
            <h3>Generation job</h3>
            <dl className="facts" data-testid="job">
              <dt>Kind</dt>
              <dd>{job.kind}</dd>
              <dt>Job status</dt>
              <dd>{job.status}</dd>
              <dt>Cost</dt>
              <dd>{job.cost} credits</dd>
              <dt>Prompt</dt>
              <dd>{job.prompt}</dd>
              {job.error && (
                <>
                  <dt>Error</dt>
                  <dd className="error">{job.error}</dd>
                </>
              )}
              {job.result !== null && job.result !== undefined && (
                <>
                  <dt>Result</dt>
                  <dd>
                    <code>{JSON.stringify(job.result)}</code>
                  </dd>
                </>
              )}
            </dl>
          </>
        )}
        <h3>Steps</h3>
        <HistoryTimeline steps={execution.steps as HistoryStep[]} />
      </aside>
    </div>
  );
}
