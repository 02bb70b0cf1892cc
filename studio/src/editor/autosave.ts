import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem, type Api } from '../api';
import { toDoc } from '../flow/doc';
import type { FlowHistory } from '../flow/history';

export type SaveStatus = 'saved' | 'unsaved' | 'saving' | 'conflict' | 'error';

export interface DraftSaver {
  status: SaveStatus;
  /** The ETag of the draft as last saved or loaded: what If-Match sends. */
  etag: string | null;
  error: string | null;
  /** Saves now (if anything changed) and resolves with the draft's ETag; rejects on a conflict. */
  flush(): Promise<string | null>;
  /** After a conflict: take the draft someone else saved (our edits are dropped). */
  loadTheirs(): Promise<void>;
  /** After a conflict: save ours over theirs, knowingly. */
  keepMine(): Promise<void>;
}

const SAVE_DELAY_MS = 700;

/**
 * The If-Match value of a draft revision, built from the body's `draftRevision` rather than taken
 * from the ETag header, which a proxy may weaken (`W/"3"`) on its way.
 */
export const revisionTag = (revision: number): string => `"${revision}"`;

/**
 * Saves the draft as one edits – drafts may be invalid, that is what they are for – with
 * `If-Match`, so that a draft someone else saved meanwhile is never silently overwritten: the
 * save is refused (412), autosave stops and the editor asks whose draft to keep.
 */
export function useDraftSaver(api: Api, path: string, history: FlowHistory, initialEtag: string | null, enabled: boolean): DraftSaver {
  const [status, setStatus] = useState<SaveStatus>('saved');
  const [error, setError] = useState<string | null>(null);
  const etag = useRef(initialEtag);
  const savedRevision = useRef(history.revision);
  const inFlight = useRef<Promise<string | null> | null>(null);
  const conflict = useRef(false);
  const [, rerender] = useState(0);

  const save = useCallback(async (): Promise<string | null> => {
    if (inFlight.current) await inFlight.current.catch(() => undefined);
    if (conflict.current) throw new ApiProblem(412, 'draft_changed', 'someone else saved this draft');
    if (history.revision === savedRevision.current) return etag.current;
    const revision = history.revision;
    const attempt = (async () => {
      setStatus('saving');
      try {
        const answer = await api.request<{ draftRevision: number }>('PUT', path, {
          body: history.doc,
          headers: etag.current ? { 'if-match': etag.current } : {},
        });
        etag.current = revisionTag(answer.body.draftRevision);
        savedRevision.current = revision;
        setError(null);
        setStatus(history.revision === revision ? 'saved' : 'unsaved');
        return etag.current;
      } catch (err) {
        if (err instanceof ApiProblem && err.status === 412) {
          conflict.current = true;
          setStatus('conflict');
        } else {
          setStatus('error');
        }
        setError((err as Error).message);
        throw err;
      }
    })();
    inFlight.current = attempt;
    try {
      return await attempt;
    } finally {
      if (inFlight.current === attempt) inFlight.current = null;
    }
  }, [api, path, history]);

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = history.subscribe(() => {
      if (conflict.current) return;
      setStatus('unsaved');
      clearTimeout(timer);
      timer = setTimeout(() => void save().catch(() => undefined), SAVE_DELAY_MS);
    });
    const warn = (event: BeforeUnloadEvent) => {
      if (history.revision !== savedRevision.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      unsubscribe();
      clearTimeout(timer);
      window.removeEventListener('beforeunload', warn);
      // Leaving the editor saves what is left (fire and forget; a conflict stays on the server's side).
      if (history.revision !== savedRevision.current && !conflict.current) void save().catch(() => undefined);
    };
  }, [enabled, history, save]);

  const fetchCurrent = useCallback(async () => {
    const answer = await api.request<{ draft: unknown; draftRevision: number }>('GET', path.replace(/\/draft$/, ''));
    return { draft: answer.body.draft, etag: revisionTag(answer.body.draftRevision) };
  }, [api, path]);

  return {
    status,
    etag: etag.current,
    error,
    flush: save,
    loadTheirs: async () => {
      const current = await fetchCurrent();
      etag.current = current.etag;
      conflict.current = false;
      history.reset(toDoc(current.draft));
      savedRevision.current = history.revision;
      setError(null);
      setStatus('saved');
      rerender((n) => n + 1);
    },
    keepMine: async () => {
      const current = await fetchCurrent();
      etag.current = current.etag;
      conflict.current = false;
      savedRevision.current = -1;
      await save();
    },
  };
}
