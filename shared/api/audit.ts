/** The audit log (SPEC §4, §5.8). */
import * as z from 'zod';
import { jwtRoutes, PageQueryShape, pageOf, queryText } from './route.ts';

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
  summary:
    'Every change, newest first: who or what did it, what, when, and the result; filtered by actor, action, account and time.',
  query: z
    .object({
      ...PageQueryShape,
      actor: queryText(254).optional().meta({
        description: "Who did it: a person's e-mail, or the id of a schedule, Apple or the system.",
      }),
      action: z
        .string()
        .regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)*$/, 'a dotted action, such as license.granted or license')
        .max(64)
        .optional()
        .meta({ description: 'One action (license.granted), or a family (license: every license.*).' }),
      accountId: queryText(64).optional().meta({ description: 'Entries about this account.' }),
      from: z.iso.datetime().optional().meta({ description: 'The earliest time listed (included).' }),
      to: z.iso.datetime().optional().meta({ description: 'The latest time listed (included).' }),
    })
    .refine((q) => !q.from || !q.to || q.from <= q.to, {
      message: 'from must not be after to',
      path: ['from'],
    }),
  response: { status: 200, schema: pageOf(AuditEntrySchema, 'AuditPage') },
});
