/**
 * The failure types (ApplicationFailure.type) the generation activities raise, so that the
 * generation workflow can tell them apart: one list for both sides. Workflow code imports it, so
 * it imports nothing. The values are in recorded histories: never change one.
 */
export const generationErrors = {
  /** The balance is short of the job's cost: the job is rejected. Not retried. */
  insufficientCredits: 'InsufficientCredits',
  /** The provider refused the request for good. Not retried. */
  providerRefused: 'ProviderRefused',
  /** The job was settled already (its key was used again): its outcome stands. Not retried. */
  alreadySettled: 'JobAlreadySettled',
  /** The provider is unavailable for now: retried, after its hint if it gave one. */
  providerUnavailable: 'ProviderUnavailable',
  /** The worker has no Temporal client to tell a chat the outcome. Not retried. */
  noChatDelivery: 'NoChatDelivery',
} as const;
