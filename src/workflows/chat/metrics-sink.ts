import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { ChatStep } from './types';

/**
 * The chat workflow's process metrics, handed to the worker through a sink: sink calls leave the
 * sandbox after the activation, cost no local activity (no extra activation, no history event)
 * and are skipped on replay, so a replayed input is not counted twice.
 */
export interface ChatMetricsSinks extends Sinks {
  chatMetrics: {
    steps(botId: string, steps: ChatStep[]): void;
    count(name: 'duplicate_update' | 'flood_dropped'): void;
  };
}

export const { chatMetrics } = proxySinks<ChatMetricsSinks>();
