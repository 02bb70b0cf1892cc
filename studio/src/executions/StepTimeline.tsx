import type { ChatStep } from '../flow/path-marks';
import type { HistoryStep } from './types';

const time = (at: number | string) => new Date(at).toLocaleTimeString();

/** A running chat's steps, newest first: inputs, nodes with the handle they took, errors. */
export function ChatTimeline({ steps, limit }: { steps: readonly ChatStep[]; limit?: number }) {
  if (steps.length === 0) return <p className="empty">No steps yet.</p>;
  const shown = [...steps].reverse().slice(0, limit ?? steps.length);
  return (
    <ol className="timeline" aria-label="steps" data-testid="timeline">
      {shown.map((step) => (
        <li key={step.seq} className={`step step-${step.kind}`} data-seq={step.seq}>
          <span className="step-time">{time(step.at)}</span>
          <span className="step-what">
            {step.kind === 'node' ? (
              <>
                <code>{step.nodeId}</code> <span className="hint">{step.nodeType}</span>
              </>
            ) : (
              <strong>{step.kind}</strong>
            )}
          </span>
          <span className="step-detail">
            {step.detail}
            {step.durationMs > 0 && <span className="hint"> · {step.durationMs} ms</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** Steps from Temporal's history (a generation, or a chat that no longer runs), newest first. */
export function HistoryTimeline({ steps }: { steps: readonly HistoryStep[] }) {
  if (steps.length === 0) return <p className="empty">No steps.</p>;
  return (
    <ol className="timeline" aria-label="steps" data-testid="timeline">
      {[...steps].reverse().map((step) => (
        <li key={step.seq} className={`step step-${step.kind}`} data-seq={step.seq}>
          <span className="step-time">{time(step.at)}</span>
          <span className="step-what">
            <strong>{step.kind.replace(/-/g, ' ')}</strong>
          </span>
          <span className="step-detail">{step.detail}</span>
        </li>
      ))}
    </ol>
  );
}
