import { useState } from 'react';
import { formatPath, type Problem } from '../../../src/flow';
import { useEditor } from './editor-context';
import { problemTarget } from './problem-marks';
import './properties/properties.css';

/** Where choosing a problem leads: the properties of its node, or the variables. */
export type ProblemPlace = 'properties' | 'variables';

/**
 * Every problem of the flow with counts by severity; choosing one selects its node or edge on the
 * canvas and opens the field at fault (a node's field in the properties, or a declared variable).
 */
export function ProblemsPanel({ onChoose }: { onChoose(place: ProblemPlace): void }) {
  const { problems, doc, select, setFocusPath } = useEditor();
  const [chosen, setChosen] = useState<Problem | null>(null);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (problems.length === 0) return <p className="empty">No problems: the flow can be published.</p>;
  const choose = (problem: Problem) => {
    setChosen(problem);
    const [root, , where, ...rest] = problem.path;
    if (root === 'variables') {
      select(null);
      setFocusPath(problem.path);
      onChoose('variables');
      return;
    }
    const target = problemTarget(doc, problem);
    select(target);
    setFocusPath(target?.kind === 'node' && root === 'nodes' && where === 'data' ? rest : null);
    onChoose('properties');
  };
  return (
    <>
      <p className="problem-counts" data-testid="problem-counts">
        <span className="errors">
          {errors} error{errors === 1 ? '' : 's'}
        </span>
        ,{' '}
        <span className="warnings">
          {warnings} warning{warnings === 1 ? '' : 's'}
        </span>
        {errors > 0 ? ': fix the errors to publish.' : ': the flow can be published.'}
      </p>
      <ul className="problems" aria-label="problems">
        {problems.map((problem, index) => (
          <li key={index} className={`problem severity-${problem.severity}${problem === chosen ? ' chosen' : ''}`}>
            <button type="button" onClick={() => choose(problem)}>
              <span className="problem-code">{problem.code}</span> <span className="problem-where">{formatPath(problem.path)}</span>
              <span className="problem-message">{problem.message}</span>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
