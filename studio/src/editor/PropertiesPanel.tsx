import { useEffect, useState } from 'react';
import { updateNode } from '../flow/doc';
import { useEditor } from './editor-context';

/** The selected node's fields. (Placeholder: the node's data as JSON.) */
export function PropertiesPanel() {
  const { doc, selection, history, readOnly } = useEditor();
  const node = selection?.kind === 'node' ? doc.nodes.find((n) => n.id === selection.id) : undefined;
  const [text, setText] = useState('');
  useEffect(() => setText(node ? JSON.stringify(node.data, null, 2) : ''), [node]);
  if (!node) return <p className="empty">Select a node to see its properties.</p>;
  return (
    <div className="properties">
      <h3>
        {node.type} <code>{node.id}</code>
      </h3>
      <textarea
        aria-label="node data"
        value={text}
        readOnly={readOnly}
        rows={16}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const data = JSON.parse(e.target.value) as Record<string, unknown>;
            history.apply((d) => updateNode(d, node.id, (n) => ({ ...n, data })), `data:${node.id}`);
          } catch {
            // Unfinished JSON: kept in the text box until it parses.
          }
        }}
      />
    </div>
  );
}
