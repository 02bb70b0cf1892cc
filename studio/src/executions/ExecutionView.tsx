/** One execution drawn on its flow, live. (Placeholder.) */
export function ExecutionView({ workflowId }: { workflowId: string }) {
  return <p className="empty">Execution {workflowId}</p>;
}
