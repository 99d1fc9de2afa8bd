/**
 * The simulator's controls over HTTP, for tests and tools in another process: `/_sim/*`, JSON, no
 * authentication, not counted and not rate limited. Each control calls the same method as the
 * in-process handle, with the method's arguments as one JSON object. `CONTROLS` is the one list:
 * the dispatch reads it, and `GET /_sim/` answers it, each control with its body's JSON Schema
 * (generated from the zod schema that validates the body).
 *
 * Misuse answers 400 `{error}`; an unknown route 404 `{error}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { MdmInfoSchema } from '#application/ports/vpp-schemas.ts';
import { readBody, sendJson } from './http-io.ts';
import { SimulatorUsageError } from './state.ts';
import {
  type AppleSimulator,
  AssetDetailsSchema,
  AssetRefSchema,
  AssignTargetSchema,
  FaultConfigSchema,
  SeedInputSchema,
  SubscriptionActionSchema,
} from './types.ts';

const Count = z.number().int().positive();
const LocationId = z.string().min(1);
const TokenSchema = z.object({ token: z.string().min(1) });
const TargetedSchema = z.object({
  locationId: LocationId,
  asset: AssetRefSchema,
  target: AssignTargetSchema,
});

/** One control: its route, what it does and answers, its body's schema, and what it runs. */
export interface Control {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly does: string;
  /** The answer's body; `{ok: true}` when it is not named. */
  readonly answers?: string;
  /** The request body's schema; none: the control takes no body. */
  readonly body?: z.ZodType;
  readonly run: (sim: AppleSimulator, body: unknown) => unknown;
}

function control<S extends z.ZodType>(
  def: Omit<Control, 'body' | 'run'> & {
    body: S;
    run: (sim: AppleSimulator, args: z.infer<S>) => unknown;
  },
): Control {
  return { ...def, run: (sim, body) => def.run(sim, parse(def.body, body)) };
}

const ok = { ok: true } as const;

/** Every control the simulator serves, in the order `GET /_sim/` lists them. */
export const CONTROLS: readonly Control[] = [
  {
    method: 'GET',
    path: '/_sim',
    does: 'Lists these controls, each with its body’s JSON Schema.',
    answers: '{controls: [{method, path, does, answers, body}]}',
    run: () => controlListing(),
  },
  control({
    method: 'POST',
    path: '/_sim/seed',
    does: 'Adds organisations and locations (assets, users, assignments); a known id is extended.',
    answers: '{locations: [{id, uId, organizationId, tokens}]}',
    body: SeedInputSchema,
    run: (sim, seed) => sim.seed(seed),
  }),
  control({
    method: 'POST',
    path: '/_sim/tokens',
    does: 'Issues a new content token (.vpptoken file content) for a location; expiresAt is ISO 8601.',
    answers: '{token}',
    body: z.object({ locationId: LocationId, expiresAt: z.string().optional() }),
    run: (sim, { locationId, expiresAt }) => {
      const date = expiresAt === undefined ? undefined : new Date(expiresAt);
      if (date && Number.isNaN(date.getTime())) throw new SimulatorUsageError('expiresAt is not a date');
      return { token: sim.issueToken(locationId, date ? { expiresAt: date } : {}) };
    },
  }),
  control({
    method: 'PUT',
    path: '/_sim/faults',
    does: 'Replaces the fault configuration (failing endpoints, lost or late notifications, failing tasks).',
    body: FaultConfigSchema,
    run: (sim, faults) => {
      sim.setFaults(faults);
      return ok;
    },
  }),
  {
    method: 'DELETE',
    path: '/_sim/faults',
    does: 'Clears every fault.',
    run: (sim) => {
      sim.clearFaults();
      return ok;
    },
  },
  {
    method: 'GET',
    path: '/_sim/state',
    does: 'The whole simulated Apple: locations with their assets, users, assignments, tokens; events.',
    answers: 'SimulatorSnapshot',
    run: (sim) => sim.snapshot(),
  },
  {
    method: 'GET',
    path: '/_sim/calls',
    does: 'Requests received per Apple endpoint since the last reset.',
    answers: '{"GET assets": 2, ...}',
    run: (sim) => sim.calls(),
  },
  {
    method: 'DELETE',
    path: '/_sim/calls',
    does: 'Resets the request counts.',
    run: (sim) => {
      sim.resetCalls();
      return ok;
    },
  },
  {
    method: 'GET',
    path: '/_sim/requests',
    does: 'Every authenticated Apple request since the last reset, in arrival order: location, time by the simulator clock, endpoint, refused (9646).',
    answers: '{requests: [{location, at, endpoint, refused}]}',
    run: (sim) => ({ requests: sim.requests() }),
  },
  {
    method: 'DELETE',
    path: '/_sim/requests',
    does: 'Resets the request log.',
    run: (sim) => {
      sim.resetRequests();
      return ok;
    },
  },
  {
    method: 'POST',
    path: '/_sim/settle',
    does: 'Processes every pending event now and waits for every due notification delivery.',
    run: async (sim) => {
      await sim.settle();
      return ok;
    },
  },
  control({
    method: 'POST',
    path: '/_sim/actions/subscription',
    does: 'A portal action on a subscription (purchase, mark-expiring, set-status, group-assign) or the end of its billing period (end-period); Apple notifies SUBSCRIPTION_COUNT.',
    body: z.object({ locationId: LocationId, action: SubscriptionActionSchema }),
    run: (sim, { locationId, action }) => {
      sim.subscriptionAction(locationId, action);
      return ok;
    },
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/purchase',
    does: 'Buys licences (details create an asset the location did not hold); Apple notifies ASSET_COUNT.',
    body: z.object({
      locationId: LocationId,
      asset: AssetRefSchema,
      count: Count,
      details: AssetDetailsSchema.optional(),
    }),
    run: (sim, a) => sim.purchase(a.locationId, a.asset, a.count, a.details),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/refund',
    does: 'Refunds free licences; Apple notifies ASSET_COUNT.',
    body: z.object({ locationId: LocationId, asset: AssetRefSchema, count: Count }),
    run: (sim, a) => sim.refund(a.locationId, a.asset, a.count),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/transfer',
    does: 'Moves free licences from one location to another.',
    body: z.object({
      fromLocationId: LocationId,
      toLocationId: LocationId,
      asset: AssetRefSchema,
      count: Count,
    }),
    run: (sim, a) => sim.transfer(a.fromLocationId, a.toLocationId, a.asset, a.count),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/external-assign',
    does: 'Another tool assigns a licence to a device or user; Apple notifies ASSET_MANAGEMENT.',
    body: TargetedSchema,
    run: (sim, a) => sim.externalAssign(a.locationId, a.asset, a.target),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/external-unassign',
    does: 'Another tool takes a licence back; Apple notifies ASSET_MANAGEMENT.',
    body: TargetedSchema,
    run: (sim, a) => sim.externalUnassign(a.locationId, a.asset, a.target),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/accept-invitation',
    does: 'The person accepts their invitation (as on the invitation page); Apple notifies USER_ASSOCIATED.',
    body: z.object({
      locationId: LocationId,
      clientUserId: z.string().min(1),
      appleAccount: z.string().optional(),
    }),
    run: (sim, a) => sim.acceptInvitation(a.locationId, a.clientUserId, a.appleAccount),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/expire-token',
    does: 'Makes a content token expired (Apple answers 9621).',
    body: TokenSchema,
    run: (sim, a) => sim.expireToken(a.token),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/revoke-token',
    does: 'Revokes a content token (Apple answers 9625).',
    body: TokenSchema,
    run: (sim, a) => sim.revokeToken(a.token),
  }),
  control({
    method: 'POST',
    path: '/_sim/actions/claim-by-other-mdm',
    does: 'Another MDM writes its mdmInfo (and notification URL) to the location.',
    body: z.object({
      locationId: LocationId,
      mdmInfo: MdmInfoSchema,
      notificationUrl: z.string().optional(),
    }),
    run: (sim, a) => sim.claimByOtherMdm(a.locationId, a.mdmInfo, a.notificationUrl),
  }),
];

/** What `GET /_sim/` answers: every control with its body's JSON Schema (null: no body). */
export function controlListing() {
  return {
    controls: CONTROLS.map((c) => ({
      method: c.method,
      path: c.path,
      does: c.does,
      answers: c.answers ?? '{ok: true}',
      body: c.body ? z.toJSONSchema(c.body, { io: 'input', unrepresentable: 'any' }) : null,
    })),
  };
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new SimulatorUsageError(
    `invalid body at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
  );
}

/** Serves one `/_sim/*` request by calling the in-process handle. */
export async function handleControl(
  sim: AppleSimulator,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const route = path.replace(/\/+$/, '');
  try {
    const raw = (await readBody(req)).toString('utf8');
    let body: unknown = {};
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw new SimulatorUsageError('the body is not valid JSON');
      }
    }
    const found = CONTROLS.find((c) => c.method === method && c.path === route);
    if (!found) {
      sendJson(res, 404, { error: `unknown control route ${method} ${route}; GET /_sim/ lists them` });
      return;
    }
    sendJson(res, 200, (await found.run(sim, body)) ?? ok);
  } catch (error) {
    if (error instanceof SimulatorUsageError) sendJson(res, 400, { error: error.message });
    else sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}
