import type { Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../http/errors';

/**
 * Revisions of a flow's draft as HTTP sees them: the strong ETag `"<revision>"` and the
 * preconditions a save or a publish may carry, so two people editing one draft cannot silently
 * overwrite each other (the second save is refused with 412 and the revision it missed).
 */

/** The largest revision PostgreSQL's `integer` column holds: a larger one in If-Match can match nothing. */
const maxRevision = 2_147_483_647;

const ifMatchRule = '`*`, or ETags as this API sends them, comma-separated ("3", "4"); not weak ones (W/"3")';
const ifMatch = z
  .string({ error: ifMatchRule })
  .regex(/^\s*(\*|"\d{1,10}"(\s*,\s*"\d{1,10}")*)\s*$/, ifMatchRule)
  .optional()
  .describe('Save or publish only if the draft is at one of these revisions (the `ETag` of GET), or exists at all (`*`); else 412.');
const ifNoneMatch = z
  .literal('*', { error: 'only `*` is supported' })
  .optional()
  .describe('`*`: create the flow only if it does not exist yet; else 412 `flow_exists`.');

export const publishPreconditions = z.object({ 'If-Match': ifMatch });
export const draftPreconditions = z
  .object({ 'If-Match': ifMatch, 'If-None-Match': ifNoneMatch })
  // Together they could never both hold (the flow exists and does not): a client bug, not a conflict.
  .refine((h) => !(h['If-Match'] && h['If-None-Match']), { path: ['If-None-Match'], message: 'not together with If-Match' });

/** What a request requires of the stored draft before it is changed or published. */
export type Precondition =
  | { kind: 'none' }
  | { kind: 'exists' }
  | { kind: 'absent' }
  /** At one of these revisions (possibly none that can exist: then nothing matches). */
  | { kind: 'revision'; revisions: number[] };

export function preconditionOf(headers: { 'If-Match'?: string; 'If-None-Match'?: '*' }): Precondition {
  if (headers['If-None-Match']) return { kind: 'absent' };
  const value = headers['If-Match']?.trim();
  if (value === undefined) return { kind: 'none' };
  if (value === '*') return { kind: 'exists' };
  const revisions = value
    .split(',')
    .map((tag) => Number(tag.trim().slice(1, -1)))
    .filter((n) => n <= maxRevision);
  return { kind: 'revision', revisions };
}

/** Whether a draft at `revision` (null: no such flow) meets the precondition. */
export function meets(precondition: Precondition, revision: number | null): boolean {
  switch (precondition.kind) {
    case 'none':
      return true;
    case 'exists':
      return revision !== null;
    case 'absent':
      return revision === null;
    case 'revision':
      return revision !== null && precondition.revisions.includes(revision);
  }
}

export const etagOf = (revision: number) => `"${revision}"`;

export const etagHeader = { ETag: 'the draft\'s revision, quoted (`"3"`): send it back as If-Match' };
export const preconditionFailed = {
  description:
    'precondition failed: `draft_changed` (someone else saved the draft since: `details.draftRevision` is the current revision, null when the flow does not exist; `ETag` the current one) or `flow_exists` (If-None-Match: *)',
  headers: { ETag: 'the current revision, when the flow exists' },
};

/** The 412 for a precondition that did not hold against the draft now at `current` (null: no such flow). */
export function preconditionFailure(res: Response, precondition: Precondition, current: number | null, flow: string): ApiError {
  if (current !== null) res.set('ETag', etagOf(current));
  if (precondition.kind === 'absent') return new ApiError(412, 'flow_exists', `${flow} exists already`, { draftRevision: current });
  const message =
    current === null
      ? `${flow} does not exist (any more)`
      : `someone else saved the draft of ${flow} since you loaded it (it is at revision ${current}): load it again and reapply your changes`;
  return new ApiError(412, 'draft_changed', message, { draftRevision: current });
}
