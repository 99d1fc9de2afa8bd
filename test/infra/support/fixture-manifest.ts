/**
 * A manifest that uses every trigger kind and every kind of access, on top of the real one, so the
 * generic wiring is tested before the features that need it land. Entries reuse an existing file.
 */
import { ROUTES } from '../../../shared/api/index.ts';
import type { RouteContract } from '../../../shared/api/route.ts';
import { FUNCTIONS, type FunctionDefinition } from '../../../shared/config/functions.ts';
import { QUEUES, workerTimeoutSeconds } from '../../../shared/config/queues.ts';
import { SCHEDULES } from '../../../shared/config/schedules.ts';

const ENTRY = 'functions/http/api-public.ts';

const route = (
  method: RouteContract['method'],
  path: string,
  auth: RouteContract['auth'],
): RouteContract => ({
  id: `fixture ${method} ${path}`,
  method,
  path,
  auth,
  summary: 'Fixture',
  tag: 'fixture',
  response: { status: 200 },
});

/** Served by `fixture-http`; paths of their own, so they never collide with the real routes. */
const FIXTURE_ONLY_ROUTES: readonly RouteContract[] = [
  route('GET', '/fixture/invitations/{token}', 'none'),
  route('POST', '/fixture/invitations/{token}', 'none'),
  route('POST', '/fixture/apple/{accountId}', 'apple-secret'),
  route('POST', '/v1/fixture/{thingId}', 'jwt'),
];

export const FIXTURE_FUNCTIONS: readonly FunctionDefinition[] = [
  ...FUNCTIONS,
  {
    id: 'fixture-http',
    entry: ENTRY,
    description: 'HTTP function with every kind of access',
    memoryMb: 256,
    timeoutSeconds: 10,
    trigger: { kind: 'http', routes: FIXTURE_ONLY_ROUTES.map((r) => r.id) },
    reservedConcurrency: 3,
    access: {
      tables: { users: 'write', core: 'read' },
      sendsTo: ['jobs', 'grants'],
      secrets: 'write',
      cursorKey: true,
      email: true,
      callsApple: true,
    },
  },
  ...QUEUES.map(
    (queue): FunctionDefinition => ({
      id: `fixture-worker-${queue.id}`,
      entry: ENTRY,
      description: `Worker of the ${queue.id} queue`,
      memoryMb: 512,
      timeoutSeconds: workerTimeoutSeconds(queue),
      trigger: { kind: 'queue', queue: queue.id },
      access: {
        tables: { assignments: 'write', assets: 'read' },
        sendsTo: ['events'],
        secrets: 'read',
        callsApple: true,
      },
    }),
  ),
  ...SCHEDULES.map(
    (schedule): FunctionDefinition => ({
      id: `fixture-job-${schedule.id}`,
      entry: ENTRY,
      description: schedule.description,
      memoryMb: 256,
      timeoutSeconds: 60,
      trigger: { kind: 'schedule', schedule: schedule.id },
      access: { tables: { core: 'read' }, sendsTo: ['jobs'] },
    }),
  ),
];

export const FIXTURE_ROUTES: readonly RouteContract[] = [...ROUTES, ...FIXTURE_ONLY_ROUTES];
