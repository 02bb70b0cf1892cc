import { useEffect, useMemo, useState } from 'react';
import { checkFlow } from '../../../src/flow';
import { ApiProblem } from '../api';
import { toDoc, type FlowDoc } from '../flow/doc';
import { FlowHistory, useFlowDoc } from '../flow/history';
import { routeHref } from '../route';
import { useSession } from '../session';
import { layoutIfUnplaced } from './auto-layout';
import { revisionTag, useDraftSaver } from './autosave';
import { Canvas, type CanvasMarks, type Selection } from './Canvas';
import { useCanvasEdits } from './canvas-edits';
import { EditorContext, type CanvasPicture, type EditorState } from './editor-context';
import { Palette } from './Palette';
import { problemMarks } from './problem-marks';
import { SidePanel } from './SidePanel';
import { Toolbar } from './Toolbar';
import { PictureCanvas } from './versions/PictureCanvas';

interface LoadedFlow {
  doc: FlowDoc;
  etag: string | null;
}

/** Loads a flow's draft (or, when it has none, its active version) and opens the editor on it. */
export function EditorPage({ botId, flowId }: { botId: string; flowId: string }) {
  const { api } = useSession();
  const [loaded, setLoaded] = useState<LoadedFlow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const flowPath = `/api/bots/${encodeURIComponent(botId)}/flows/${encodeURIComponent(flowId)}`;
  useEffect(() => {
    (async () => {
      const answer = await api.request<{ draft: unknown; draftRevision: number; activeVersionId: string | null }>('GET', flowPath);
      const etag = revisionTag(answer.body.draftRevision);
      if (answer.body.draft !== null) return { doc: toDoc(answer.body.draft), etag };
      const versions = await api.get<{ items: { version: number; active: boolean }[] }>(`${flowPath}/versions`);
      const active = versions.items.find((v) => v.active);
      if (!active) return { doc: toDoc({}), etag };
      const version = await api.get<{ definition: unknown }>(`${flowPath}/versions/${active.version}`);
      return { doc: toDoc(version.definition), etag };
    })()
      .then(setLoaded)
      .catch((err: Error) =>
        setError(err instanceof ApiProblem && err.status === 404 ? `There is no flow "${flowId}" on this bot.` : err.message),
      );
  }, [api, flowPath, flowId]);
  if (error)
    return (
      <p className="error" role="alert">
        {error} <a href={routeHref({ page: 'bots' })}>Back to the bots</a>
      </p>
    );
  if (!loaded) return <p>Loading the flow…</p>;
  return <Editor botId={botId} flowId={flowId} flowPath={flowPath} loaded={loaded} />;
}

function Editor({ botId, flowId, flowPath, loaded }: { botId: string; flowId: string; flowPath: string; loaded: LoadedFlow }) {
  const { api, canWrite } = useSession();
  // A flow written by hand has no positions: it opens laid out (not an undo step, saved with the next edit).
  const history = useMemo(() => new FlowHistory(layoutIfUnplaced(loaded.doc)), [loaded]);
  const doc = useFlowDoc(history);
  const draft = useDraftSaver(api, `${flowPath}/draft`, history, loaded.etag, canWrite);
  const [selection, select] = useState<Selection>(null);
  const [focusPath, setFocusPath] = useState<readonly (string | number)[] | null>(null);
  const [overlay, setOverlay] = useState<CanvasMarks | null>(null);
  const [fitRequest, setFitRequest] = useState(0);
  const [picture, setPicture] = useState<CanvasPicture | null>(null);
  // Checking a 300-node flow takes a few milliseconds; the result is kept until the document changes.
  const problems = useMemo(() => checkFlow(doc).problems, [doc]);
  const marks = useMemo(() => overlay ?? problemMarks(doc, problems), [overlay, doc, problems]);
  const edits = useCanvasEdits(history, canWrite);

  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      // Text fields keep their own undo; elsewhere (the canvas, buttons, checkboxes) Ctrl+Z undoes the last edit of the flow.
      const typing = target instanceof HTMLInputElement ? !['checkbox', 'radio', 'button', 'submit'].includes(target.type) : false;
      if (target && (target.isContentEditable || typing || ['TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      if (!(event.ctrlKey || event.metaKey) || !canWrite) return;
      if (event.key === 'z' && !event.shiftKey) history.undo();
      else if (event.key === 'y' || (event.key === 'z' && event.shiftKey) || event.key === 'Z') history.redo();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', keys);
    return () => window.removeEventListener('keydown', keys);
  }, [history, canWrite]);

  const state: EditorState = {
    botId,
    flowId,
    history,
    doc,
    problems,
    selection,
    select,
    focusPath,
    setFocusPath,
    readOnly: !canWrite,
    draft,
    overlay,
    setOverlay,
    fitView: () => setFitRequest((n) => n + 1),
    picture,
    setPicture,
  };
  return (
    <EditorContext.Provider value={state}>
      <div className="editor">
        <Toolbar />
        <div className="editor-body">
          {canWrite && <Palette />}
          {picture ? (
            <PictureCanvas picture={picture} onClose={() => setPicture(null)} />
          ) : (
            <Canvas doc={doc} edit={edits} marks={marks} selection={selection} onSelect={select} fitRequest={fitRequest} />
          )}
          <SidePanel />
        </div>
      </div>
    </EditorContext.Provider>
  );
}
