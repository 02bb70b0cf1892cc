import { useEffect, useMemo, useRef, useState } from 'react';
import { nodeCatalogue, type Problem } from '../../../src/flow';
import { dataJsonSchema, handlesOf, isKnownType } from '../flow/catalogue';
import { setHandleOpen, updateNode, type DocNode, type FlowDoc } from '../flow/doc';
import { useEditor } from './editor-context';
import { Field, FormContext, JsonControl, type FormState } from './properties/Field';
import { fieldFor, formSpec, renderedPaths, setIn, type Path } from './properties/form-model';
import { renameNodeEverywhere } from './properties/rename';
import './properties/properties.css';

/** The problems of node number `index` whose path points into its data, by the field that shows them. */
function problemsByField(problems: readonly Problem[], index: number, drawn: ReadonlySet<string>) {
  const byField = new Map<string, string[]>();
  const elsewhere: Problem[] = [];
  for (const problem of problems) {
    const [root, at, where, ...rest] = problem.path;
    if (root === 'nodes' && at === index && where === 'data') {
      const key = fieldFor(rest, drawn);
      byField.set(key, [...(byField.get(key) ?? []), problem.message]);
    } else elsewhere.push(problem);
  }
  return { byField, elsewhere };
}

/** The selected node's id, fields (from its type's schema) and output handles; or the selected edge. */
export function PropertiesPanel() {
  const { doc, selection, focusPath, setFocusPath } = useEditor();
  // A field highlighted for one node is not meant for the next one chosen on the canvas.
  const selectedId = selection?.id ?? null;
  const shown = useRef<{ id: string | null; focusPath: typeof focusPath }>({ id: selectedId, focusPath });
  useEffect(() => {
    if (shown.current.id !== selectedId && shown.current.focusPath === focusPath && focusPath !== null) setFocusPath(null);
    shown.current = { id: selectedId, focusPath };
  }, [selectedId, focusPath, setFocusPath]);

  if (selection?.kind === 'edge') {
    const edge = doc.edges.find((e) => e.id === selection.id);
    if (edge) return <EdgeProperties source={edge.source} handle={edge.sourceHandle ?? 'next'} target={edge.target} />;
  }
  const index = selection?.kind === 'node' ? doc.nodes.findIndex((n) => n.id === selection.id) : -1;
  const node = doc.nodes[index];
  if (!node) return <p className="empty">Select a node to see its properties.</p>;
  return <NodeProperties key={node.id} node={node} index={index} />;
}

function EdgeProperties({ source, handle, target }: { source: string; handle: string; target: string }) {
  const { select } = useEditor();
  return (
    <div className="properties">
      <h3>Edge</h3>
      <p>
        From <NodeLink id={source} onSelect={select} /> (handle <code>{handle}</code>) to <NodeLink id={target} onSelect={select} />.
      </p>
      <p className="hint">Delete it with the Delete key; drag from a handle to another node to replace it.</p>
    </div>
  );
}

function NodeLink({ id, onSelect }: { id: string; onSelect: ReturnType<typeof useEditor>['select'] }) {
  return (
    <button type="button" className="link" onClick={() => onSelect({ kind: 'node', id })}>
      {id}
    </button>
  );
}

function NodeProperties({ node, index }: { node: DocNode; index: number }) {
  const { doc, history, problems, readOnly, focusPath, select } = useEditor();
  const known = isKnownType(node.type);
  const spec = useMemo(() => (known ? formSpec(dataJsonSchema(node.type as never)) : null), [known, node.type]);
  const drawn = useMemo(() => new Set(spec ? renderedPaths(spec, node.data) : ['']), [spec, node.data]);
  const nodeProblems = useMemo(() => problems.filter((p) => p.path[0] === 'nodes' && p.path[1] === index), [problems, index]);
  const { byField, elsewhere } = useMemo(() => problemsByField(nodeProblems, index, drawn), [nodeProblems, index, drawn]);
  // (A path into the variables is for the variables panel.)
  const focus = focusPath && focusPath[0] !== 'variables' ? fieldFor(focusPath, drawn) : null;
  const edit = (change: (d: FlowDoc) => FlowDoc, coalesce?: string) => {
    if (!readOnly) history.apply(change, coalesce);
  };
  const form: FormState = {
    idPrefix: `prop-${index}`,
    variables: doc.variables,
    nodeIds: doc.nodes.map((n) => n.id).filter((id) => id !== node.id),
    problems: byField,
    focus,
    change: (path: Path, value: unknown, coalesce?: string) =>
      edit(
        (d) => updateNode(d, node.id, (n) => ({ ...n, data: setIn(n.data, path, value) as Record<string, unknown> })),
        coalesce && `${node.id}:${coalesce}`,
      ),
  };
  return (
    <div className="properties" data-testid="properties">
      <h3>
        <span className="properties-type">{node.type}</span> <code>{node.id}</code>
      </h3>
      {known && <p className="field-description">{nodeCatalogue[node.type as keyof typeof nodeCatalogue].summary}</p>}
      <fieldset disabled={readOnly} className="properties-form">
        <NodeIdField
          node={node}
          doc={doc}
          onRename={(to) => {
            edit((d) => renameNodeEverywhere(d, node.id, to));
            select({ kind: 'node', id: to });
          }}
        />
        {elsewhere.length > 0 && (
          <ul className="node-problems" aria-label="problems of this node">
            {elsewhere.map((p, i) => (
              <li key={i} className={`severity-${p.severity}`}>
                {p.message}
              </li>
            ))}
          </ul>
        )}
        <FormContext.Provider value={form}>
          {spec ? (
            <Field spec={spec} path={[]} value={node.data} label="" />
          ) : (
            <div className={`field${byField.has('') ? ' has-problem' : ''}`} data-field="">
              <label className="field-label" htmlFor={`${form.idPrefix}-data`}>
                data (JSON)
              </label>
              <JsonControl id={`${form.idPrefix}-data`} path={[]} value={node.data} />
              {(byField.get('') ?? []).map((m, i) => (
                <p key={i} className="field-problem">
                  {m}
                </p>
              ))}
            </div>
          )}
        </FormContext.Provider>
        <OutputHandles node={node} doc={doc} onOpen={(handle, open) => edit((d) => setHandleOpen(d, node.id, handle, open))} />
      </fieldset>
    </div>
  );
}

/** The node's id; a rename applies on Enter or leaving the field, and is refused when the id is taken. */
function NodeIdField({ node, doc, onRename }: { node: DocNode; doc: FlowDoc; onRename(to: string): void }) {
  const [text, setText] = useState(node.id);
  useEffect(() => setText(node.id), [node.id]);
  const trimmed = text.trim();
  const problem =
    trimmed === ''
      ? 'The id cannot be empty.'
      : trimmed.length > 128
        ? 'At most 128 characters.'
        : trimmed !== node.id && doc.nodes.some((n) => n.id === trimmed)
          ? `Another node has the id "${trimmed}".`
          : null;
  const commit = () => {
    if (problem === null && trimmed !== node.id) onRename(trimmed);
    else if (problem !== null) setText(node.id);
  };
  return (
    <div className={`field field-id${problem ? ' has-problem' : ''}`} data-field="#id">
      <label className="field-label" htmlFor="node-id">
        id
        <span className="required" aria-hidden="true">
          *
        </span>
      </label>
      <input
        id="node-id"
        value={text}
        aria-invalid={problem !== null}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setText(node.id);
        }}
      />
      <p className="field-description">Unique in the flow; edges, jumps and message.edit name the node by it.</p>
      {problem && <p className="field-problem">{problem} Leaving the field keeps the old id.</p>}
    </div>
  );
}

/** Each output handle with where it leads, or – without an edge – whether it is deliberately left open. */
function OutputHandles({ node, doc, onOpen }: { node: DocNode; doc: FlowDoc; onOpen(handle: string, open: boolean): void }) {
  const { select } = useEditor();
  const handles = handlesOf(node);
  const open = new Set(node.openHandles ?? []);
  return (
    <section className="output-handles" aria-label="output handles">
      <h4>Output handles</h4>
      {handles.length === 0 && <p className="hint">None: the run does not continue from this node.</p>}
      <ul>
        {handles.map((handle) => {
          const edge = doc.edges.find((e) => e.source === node.id && (e.sourceHandle ?? 'next') === handle);
          return (
            <li key={handle} data-handle={handle}>
              <code>{handle}</code>{' '}
              {edge ? (
                <>
                  → <NodeLink id={edge.target} onSelect={select} />
                </>
              ) : (
                <label>
                  <input type="checkbox" checked={open.has(handle)} onChange={(e) => onOpen(handle, e.target.checked)} /> leave open (ends
                  the run)
                </label>
              )}
              {edge && open.has(handle) && (
                <button type="button" className="small" onClick={() => onOpen(handle, false)}>
                  unmark open
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
