import { formatPath } from '../../../src/flow';
import { useEditor } from './editor-context';
import { problemTarget } from './problem-marks';

/** Every problem of the flow; choosing one selects its node or edge and the field at fault. */
export function ProblemsPanel({ onChoose }: { onChoose(): void }) {
  const { problems, doc, select, setFocusPath } = useEditor();
  if (problems.length === 0) return <p className="empty">No problems: the flow can be published.</p>;
  return (
    <ul className="problems" aria-label="problems">
      {problems.map((problem, index) => (
        <li key={index} className={`problem severity-${problem.severity}`}>
          <button
            type="button"
            onClick={() => {
              const target = problemTarget(doc, problem);
              select(target);
              const [root, , where, ...rest] = problem.path;
              setFocusPath(target?.kind === 'node' && root === 'nodes' && where === 'data' ? rest : null);
              onChoose();
            }}
          >
            <span className="problem-code">{problem.code}</span> <span className="problem-where">{formatPath(problem.path)}</span>
            <span className="problem-message">{problem.message}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
