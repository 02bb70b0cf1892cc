import { useEditor } from './editor-context';

/** The flow's declared variables. (Placeholder: a list.) */
export function VariablesPanel() {
  const { doc } = useEditor();
  if (doc.variables.length === 0) return <p className="empty">No variables declared.</p>;
  return (
    <ul className="variables">
      {doc.variables.map((v) => (
        <li key={`${v.scope}.${v.name}`}>
          <code>
            {v.scope}.{v.name}
          </code>{' '}
          {v.type}
        </li>
      ))}
    </ul>
  );
}
