import { useState } from 'react';
import { ApiProblem } from '../api';
import { useFlowDoc } from '../flow/history';
import { routeHref } from '../route';
import { useSession } from '../session';
import { useEditor } from './editor-context';
import { autoLayout } from './auto-layout';
import { measuredSizes } from './measure-nodes';

const statusText = {
  saved: 'Draft saved',
  unsaved: 'Unsaved changes…',
  saving: 'Saving…',
  conflict: 'Not saved: conflict',
  error: 'Not saved',
} as const;

/** Undo, redo, layout, the draft's save state, and publishing (refused while errors remain). */
export function Toolbar() {
  const editor = useEditor();
  const { api } = useSession();
  const { history, draft, problems, readOnly } = editor;
  useFlowDoc(history);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const [publishing, setPublishing] = useState(false);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);

  const publish = async () => {
    setPublishing(true);
    setMessage(null);
    try {
      const etag = await draft.flush();
      const answer = await api.request<{ version: number; changed: boolean }>(
        'POST',
        `/api/bots/${encodeURIComponent(editor.botId)}/flows/${encodeURIComponent(editor.flowId)}/publish`,
        { headers: etag ? { 'if-match': etag } : {} },
      );
      setMessage({
        text: answer.body.changed
          ? `Published as version ${answer.body.version}.`
          : `Nothing changed since version ${answer.body.version}.`,
      });
      window.dispatchEvent(new CustomEvent('studio:published', { detail: answer.body }));
    } catch (err) {
      setMessage({
        text: err instanceof ApiProblem && err.status === 422 ? 'The flow has errors: fix them first.' : (err as Error).message,
        error: true,
      });
    } finally {
      setPublishing(false);
    }
  };

  return (
    <div className="toolbar" role="toolbar" aria-label="flow editor">
      <a href={routeHref({ page: 'bots' })} className="crumb">
        Bots
      </a>
      <span className="crumb-title">
        {editor.botId} / <strong>{editor.flowId}</strong>
      </span>
      <a href={routeHref({ page: 'executions', filter: { bot: editor.botId } })} title="This bot's chats and jobs">
        Executions
      </a>
      {!readOnly && (
        <>
          <button type="button" onClick={() => history.undo()} disabled={!history.canUndo} title="Undo (Ctrl+Z)">
            Undo
          </button>
          <button type="button" onClick={() => history.redo()} disabled={!history.canRedo} title="Redo (Ctrl+Shift+Z)">
            Redo
          </button>
          <button
            type="button"
            onClick={() => {
              history.apply((doc) => autoLayout(doc, measuredSizes()));
              editor.fitView();
            }}
            disabled={editor.doc.nodes.length === 0}
          >
            Auto layout
          </button>
        </>
      )}
      <span className="spacer" />
      <span className={`problems-count${errors > 0 ? ' has-errors' : ''}`} data-testid="problem-count">
        {errors === 0 ? 'No errors' : `${errors} error${errors === 1 ? '' : 's'}`}
      </span>
      {!readOnly && (
        <span className={`save-status status-${draft.status}`} data-testid="save-status" title={draft.error ?? ''}>
          {statusText[draft.status]}
        </span>
      )}
      {!readOnly && (
        <button
          type="button"
          className="primary"
          onClick={() => void publish()}
          disabled={publishing || errors > 0 || draft.status === 'conflict'}
          title={errors > 0 ? 'Publishing is refused while errors remain' : 'Publish the draft as a new version'}
        >
          Publish
        </button>
      )}
      {message && (
        <span className={message.error ? 'error' : 'notice'} role="status">
          {message.text}
        </span>
      )}
      {draft.status === 'conflict' && (
        <div className="conflict" role="alert">
          Someone else saved this draft while you were editing it.
          <button type="button" onClick={() => void draft.loadTheirs()}>
            Load theirs (drop my changes)
          </button>
          <button type="button" onClick={() => void draft.keepMine()}>
            Keep mine (overwrite theirs)
          </button>
        </div>
      )}
    </div>
  );
}
