import { Worker, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { FlowVersion } from '../../src/flow';
import type { ChatStep } from '../../src/workflows/chat/types';
import type { ChatMetricsSinks } from '../../src/workflows/chat/metrics-sink';
import type { ExecutedNodesSinks } from './workflows/executed-nodes';

/** A history in the JSON form of the fixtures (`temporal workflow show --output json`). */
export interface HistoryJson {
  events: Record<string, any>[];
}

const decode = (payload: { data?: string } | undefined): unknown =>
  payload?.data === undefined ? undefined : JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));

/** The local activities a history recorded: their type and result, in order. */
export function localActivities(history: HistoryJson): { type: string; result: unknown }[] {
  return history.events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const { activity_type } = decode(marker.details.data.payloads[0]) as { activity_type: string };
    return [{ type: activity_type, result: decode(marker.details.result?.payloads?.[0]) }];
  });
}

/**
 * The steps a chat history's inputs ran, one list per input, read by replaying the history with
 * the executed-nodes interceptor in `bundle`.
 */
export async function replayedSteps(bundle: WorkflowBundleWithSourceMap, name: string, history: HistoryJson): Promise<ChatStep[][]> {
  const inputs: ChatStep[][] = [];
  // Histories record each input's steps as the chat metrics sink's argument (the sink is called
  // on replay here: a replay is nothing but replaying); older ones as a local activity's.
  const sinks: InjectedSinks<ExecutedNodesSinks & ChatMetricsSinks> = {
    executedNodes: { steps: { fn: (_info, steps) => void inputs.push(steps), callDuringReplay: true } },
    chatMetrics: {
      steps: { fn: (_info, _botId, steps) => void inputs.push(steps), callDuringReplay: true },
      count: { fn: () => undefined },
    },
  };
  await Worker.runReplayHistory({ workflowBundle: bundle, replayName: name, sinks }, history);
  return inputs;
}

/**
 * The node types a chat history ran. Every node but a trigger is a step of its own. A trigger is
 * matched, not run: it counts when a node that nothing but that trigger leads to ran, other than
 * as the node an operator restarted the chat at – nothing else runs such a node.
 */
export function nodeTypesRun(history: HistoryJson, inputs: ChatStep[][]): Set<string> {
  const types = new Set<string>();
  const ran = new Set<string>();
  for (const steps of inputs) {
    steps.forEach((step, i) => {
      if (step.kind !== 'node' || !step.nodeId || !step.nodeType) return;
      types.add(step.nodeType);
      const before = steps[i - 1];
      if (!(before?.kind === 'input' && before.nodeId === step.nodeId)) ran.add(step.nodeId);
    });
  }

  // The flows the chat ran, as the workflow loaded them (a definition is loaded once per run).
  const flows = localActivities(history).flatMap(({ type, result }) => {
    if (type === 'resolveFlow' || type === 'openChat') return (result as { flow?: FlowVersion | null }).flow ?? [];
    return type === 'loadFlowVersion' ? [result as FlowVersion] : [];
  });
  const ledFrom = new Map<string, Set<string>>();
  const leads = (source: string, target: string) => ledFrom.set(target, (ledFrom.get(target) ?? new Set()).add(source));
  for (const flow of flows) {
    for (const edge of flow.edges) leads(edge.source, edge.target);
    for (const node of flow.nodes) if (node.type === 'logic.jump') leads(node.id, node.data.target);
  }
  for (const flow of flows) {
    for (const trigger of flow.nodes.filter((n) => n.type.startsWith('trigger.'))) {
      const next = flow.edges.find((e) => e.source === trigger.id)?.target;
      const sources = next === undefined ? undefined : ledFrom.get(next);
      if (next !== undefined && ran.has(next) && sources?.size === 1 && sources.has(trigger.id)) types.add(trigger.type);
    }
  }
  return types;
}
