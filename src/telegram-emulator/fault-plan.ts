import { chatIdParam } from './request-params';
import type { ApiParams, Fault, FaultScope } from './types';

interface PlannedFault {
  botId: number;
  method: string;
  chatId: number | undefined;
  fault: Fault;
  remaining: number;
}

/**
 * Failures a test asked for, answered instead of running the method. Faults are used in the
 * order they were planned; each counts down its `times` and is gone when they are used up.
 */
export class FaultPlan {
  private planned: PlannedFault[] = [];

  add(botId: number, method: string, fault: Fault, times: number, scope: FaultScope): void {
    this.planned.push({ botId, method, chatId: scope.chatId, fault, remaining: times });
  }

  /** The fault to answer this call with, if one is planned for it. */
  take(botId: number, method: string, params: ApiParams): Fault | undefined {
    const chatId = chatIdParam(params);
    const planned = this.planned.find((p) => p.botId === botId && p.method === method && (p.chatId === undefined || p.chatId === chatId));
    if (!planned) return undefined;
    planned.remaining -= 1;
    if (planned.remaining <= 0) this.planned = this.planned.filter((p) => p !== planned);
    return planned.fault;
  }
}
