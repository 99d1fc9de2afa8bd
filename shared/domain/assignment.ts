/**
 * An asset held by one subject, a device (serial number) or a VPP user (SPEC §3). Operations in flight
 * (`pending-grant`, `pending-revoke`) settle only from Apple's answer to them, never from a sync.
 */
import * as z from 'zod';
import { PricingParamSchema } from './asset.ts';

export const AssignmentStateSchema = z.enum([
  'pending-grant',
  'granted',
  'pending-revoke',
  'revoked',
  'failed',
]);
export type AssignmentState = z.infer<typeof AssignmentStateSchema>;

export const SubjectTypeSchema = z.enum(['device', 'user']);
export type SubjectType = z.infer<typeof SubjectTypeSchema>;

export const AssignmentSourceSchema = z.enum(['manual', 'deployment', 'apple']);
export type AssignmentSource = z.infer<typeof AssignmentSourceSchema>;

export const AssignmentRecordSchema = z.object({
  orgId: z.string(),
  accountId: z.string(),
  adamId: z.string(),
  pricingParam: PricingParamSchema,
  subjectType: SubjectTypeSchema,
  subjectId: z.string(),
  state: AssignmentStateSchema,
  source: AssignmentSourceSchema,
  jobId: z.string().optional(),
  /** The Apple event an operation in flight waits for. */
  eventId: z.string().optional(),
  error: z
    .object({ errorNumber: z.number().int().optional(), code: z.string(), reason: z.string() })
    .optional(),
  /** When a deployment's holder left its scope (the grace period counts from here). */
  outOfScopeSince: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AssignmentRecord = z.infer<typeof AssignmentRecordSchema>;

export const IN_FLIGHT: ReadonlySet<AssignmentState> = new Set(['pending-grant', 'pending-revoke']);
/** States in which the subject holds (or is about to hold) the licence. */
export const HOLDING: ReadonlySet<AssignmentState> = new Set(['granted', 'pending-grant', 'pending-revoke']);

/**
 * States in which Apple counts the holding in `assignedCount`, as far as our records know: granted, and
 * a revocation Apple has not answered (a grant counts once Apple's answer settles it).
 */
export const COUNTED_BY_APPLE: ReadonlySet<AssignmentState> = new Set(['granted', 'pending-revoke']);

/** How an asset's `holderCount` moves when a record goes from `before` to `after` (undefined: none). */
export const holderCountChange = (
  before: AssignmentState | undefined,
  after: AssignmentState | undefined,
): number =>
  Number(after !== undefined && COUNTED_BY_APPLE.has(after)) -
  Number(before !== undefined && COUNTED_BY_APPLE.has(before));

export const subjectKey = (a: { subjectType: SubjectType; subjectId: string }) =>
  `${a.subjectType === 'device' ? 'D' : 'U'}#${a.subjectId}`;
export const assignmentKey = (a: {
  adamId: string;
  pricingParam: string;
  subjectType: SubjectType;
  subjectId: string;
}) => `${a.adamId}:${a.pricingParam}:${subjectKey(a)}`;
