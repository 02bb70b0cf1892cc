import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem } from '../api';
import { diffPicture } from '../flow/diff-marks';
import { toDoc, type FlowDoc } from '../flow/doc';
import { routeHref } from '../route';
import { useSession } from '../session';
import { useEditor } from './editor-context';
import './versions/versions.css';

interface Version {
  id: string;
  version: number;
  checksum: string;
  active: boolean;
  publishedAt: string;
}

/** A side of a comparison: a published version's number, or the draft as it is in the editor. */
type Side = number | 'draft';
const sideName = (side: Side) => (side === 'draft' ? 'the draft' : `version ${side}`);

/**
 * The flow's published versions, newest first, the active one marked. Any version can be looked
 * at on the canvas, two (or one and the draft) compared there – added, changed and removed nodes
 * and edges marked, removed ones drawn where they stood – and an older one activated again
 * (a rollback), after a confirmation. Refreshed after each publish.
 */
export function VersionsPanel() {
  const { api, canWrite } = useSession();
  const { botId, flowId, doc: draft, picture, setPicture } = useEditor();
  const flowPath = `/api/bots/${encodeURIComponent(botId)}/flows/${encodeURIComponent(flowId)}`;
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [from, setFrom] = useState<Side | null>(null);
  const [to, setTo] = useState<Side>('draft');
  const [summary, setSummary] = useState<{ title: string; lines: string[]; ids: [string, string[]][] } | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  // Published versions never change: each definition is fetched once.
  const definitions = useRef(new Map<number, Promise<FlowDoc>>());

  const load = useCallback(async () => {
    try {
      const answer = await api.get<{ items: Version[] }>(`${flowPath}/versions`);
      setVersions(answer.items);
      setError(null);
      // Compare the active version (or the newest) with the draft until another pair is chosen.
      setFrom((current) => current ?? (answer.items.find((v) => v.active) ?? answer.items[0])?.version ?? null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [api, flowPath]);

  useEffect(() => {
    void load();
    const published = () => void load();
    window.addEventListener('studio:published', published);
    return () => window.removeEventListener('studio:published', published);
  }, [load]);
  // Leaving the panel gives the canvas back to the draft.
  useEffect(() => () => setPicture(null), [setPicture]);

  const definition = (version: number): Promise<FlowDoc> => {
    let known = definitions.current.get(version);
    if (!known) {
      known = api.get<{ definition: unknown }>(`${flowPath}/versions/${version}`).then((v) => toDoc(v.definition));
      void known.catch(() => definitions.current.delete(version));
      definitions.current.set(version, known);
    }
    return known;
  };
  const docOf = (side: Side) => (side === 'draft' ? Promise.resolve(draft) : definition(side));

  const view = async (version: number) => {
    setBusy(true);
    try {
      setSummary(null);
      setPicture({ title: `Version ${version}`, doc: await definition(version) });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const compare = async () => {
    if (from === null) return;
    setBusy(true);
    try {
      const [before, after] = await Promise.all([docOf(from), docOf(to)]);
      const picture = diffPicture(before, after);
      const title = `Changes from ${sideName(from)} to ${sideName(to)}`;
      setPicture({ title, doc: picture.doc, marks: picture.marks });
      const ids = (['added', 'changed', 'removed'] as const)
        .map((kind): [string, string[]] => [`Nodes ${kind}`, picture.diff.nodes[kind]])
        .filter(([, list]) => list.length > 0);
      setSummary({ title, lines: picture.summary, ids });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const activate = async (version: number) => {
    setBusy(true);
    setMessage(null);
    try {
      await api.request('POST', `${flowPath}/versions/${version}/activate`);
      setMessage(`Version ${version} is the active one now: runs that start from now on use it.`);
      setConfirming(null);
      await load();
    } catch (err) {
      setError(err instanceof ApiProblem && err.status === 403 ? 'This token may not activate versions.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (error && !versions)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (!versions) return <p>Loading versions…</p>;
  const sides: Side[] = [...versions.map((v) => v.version), 'draft'];
  const option = (side: Side) => (
    <option key={String(side)} value={String(side)}>
      {side === 'draft' ? 'draft (in the editor)' : `version ${side}`}
    </option>
  );
  const parseSide = (value: string): Side => (value === 'draft' ? 'draft' : Number(value));

  return (
    <div className="versions" data-testid="versions">
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {versions.length === 0 ? (
        <p className="empty">Not published yet: publish the draft to make version 1.</p>
      ) : (
        <ul className="version-list" aria-label="published versions">
          {versions.map((v) => (
            <li key={v.id} className={v.active ? 'active-version' : ''} data-testid={`version-${v.version}`}>
              <div className="version-head">
                <strong>Version {v.version}</strong>
                {v.active && <span className="badge active-badge">active</span>}
                <span className="spacer" />
                <button type="button" onClick={() => void view(v.version)} disabled={busy} aria-label={`View version ${v.version}`}>
                  View
                </button>
                {canWrite && !v.active && (
                  <button
                    type="button"
                    onClick={() => setConfirming(v.version)}
                    disabled={busy}
                    aria-label={`Activate version ${v.version}`}
                  >
                    Activate
                  </button>
                )}
              </div>
              <div className="hint">published {new Date(v.publishedAt).toLocaleString()}</div>
              {confirming === v.version && (
                <div className="confirm" role="alertdialog" aria-label={`Activate version ${v.version}?`}>
                  <p>Make version {v.version} the active one? Runs that start from now on use it; your draft stays as it is.</p>
                  <button type="button" className="primary" onClick={() => void activate(v.version)} disabled={busy}>
                    Yes, activate version {v.version}
                  </button>
                  <button type="button" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {versions.length > 0 && (
        <section className="compare" aria-label="compare versions">
          <h3>Compare</h3>
          <div className="compare-row">
            <label>
              From
              <select
                value={from === null ? '' : String(from)}
                onChange={(e) => setFrom(parseSide(e.target.value))}
                aria-label="compare from"
              >
                {sides.map(option)}
              </select>
            </label>
            <label>
              To
              <select value={String(to)} onChange={(e) => setTo(parseSide(e.target.value))} aria-label="compare to">
                {sides.map(option)}
              </select>
            </label>
            <button type="button" onClick={() => void compare()} disabled={busy || from === null || from === to}>
              Show changes
            </button>
          </div>
          {/* The summary goes with its picture: back to the draft, it goes too. */}
          {summary && picture?.title === summary.title && (
            <div className="diff-summary" data-testid="diff-summary">
              <p>
                <strong>{summary.title}</strong>
              </p>
              <ul>
                {summary.lines.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
              {summary.ids.map(([label, list]) => (
                <p key={label} className="hint">
                  {label}:{' '}
                  {list.map((id) => (
                    <code key={id}>{id} </code>
                  ))}
                </p>
              ))}
            </div>
          )}
        </section>
      )}
      <p className="hint">
        <a href={routeHref({ page: 'executions', filter: { bot: botId } })}>Executions of this bot</a>
      </p>
    </div>
  );
}
