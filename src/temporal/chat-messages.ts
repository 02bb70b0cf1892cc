import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatSnapshot, ChatStep, ExternalEvent, InboundUpdate, RestartRequest } from '../workflows/chat/types';

/**
 * The chat workflow's messages, in a module of their own so that the ingress and the API can
 * import them without loading the workflow's code: like workflow ids and search attributes, the
 * names by which processes reach a workflow (the types they carry are the workflow's).
 */
export const chatUpdate = defineSignal<[InboundUpdate]>('chatUpdate');
export const chatEvent = defineSignal<[ExternalEvent]>('chatEvent');
export const chatState = defineQuery<ChatSnapshot>('chatState');
/** Steps with a sequence number above the argument, oldest first (the live stream polls this). */
export const chatSteps = defineQuery<ChatStep[], [number]>('chatSteps');
export const chatRestart = defineSignal<[RestartRequest]>('chatRestart');
