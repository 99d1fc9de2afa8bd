/** The audit log (SPEC §4, §5.8). */
import * as z from 'zod';
import { jwtRoutes, PageQueryShape, pageOf } from './route.ts';

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.union([
      z.object({ type: z.literal('user'), id: z.string(), email: z.string(), role: z.string() }),
      z.object({ type: z.enum(['schedule', 'apple', 'system']), id: z.string() }),
    ]),
    action: z
      .string()
      .meta({ description: 'A dotted verb: account.created, license.granted, user.invited, ...' }),
    target: z.string().meta({
      description:
        'What it acted on: account:<id>, asset:<accountId>/<adamId>, user:<accountId>/<userId>, device:<serial>',
    }),
    result: z.enum(['succeeded', 'failed', 'accepted']),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditEntry' });

const route = jwtRoutes('audit');

export const listAudit = route('listAudit', 'GET /v1/audit', {
  summary: 'Every change, newest first: who or what did it, what, when, and the result.',
  query: z.object(PageQueryShape),
  response: { status: 200, schema: pageOf(AuditEntrySchema, 'AuditPage') },
});
