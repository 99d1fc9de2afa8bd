/**
 * The simulator's controls over HTTP, for tests and tools in another process: `/_sim/*`, JSON, no
 * authentication, not counted and not rate limited. Each route calls the same method as the in-process
 * handle, with the method's arguments as one JSON object:
 *
 * | route | body |
 * |---|---|
 * | `POST /_sim/seed` | `SeedInput` → `SeedResult` |
 * | `POST /_sim/tokens` | `{locationId, expiresAt?}` → `{token}` |
 * | `PUT /_sim/faults`, `DELETE /_sim/faults` | `FaultConfig` |
 * | `GET /_sim/state` | → `SimulatorSnapshot` |
 * | `GET /_sim/calls`, `DELETE /_sim/calls` | → `{"GET assets": 2, ...}` |
 * | `POST /_sim/settle` | — |
 * | `POST /_sim/actions/purchase` | `{locationId, asset, count, details?}` |
 * | `POST /_sim/actions/refund` | `{locationId, asset, count}` |
 * | `POST /_sim/actions/transfer` | `{fromLocationId, toLocationId, asset, count}` |
 * | `POST /_sim/actions/external-assign`, `.../external-unassign` | `{locationId, asset, target}` |
 * | `POST /_sim/actions/accept-invitation` | `{locationId, clientUserId, appleAccount?}` |
 * | `POST /_sim/actions/expire-token`, `.../revoke-token` | `{token}` |
 * | `POST /_sim/actions/claim-by-other-mdm` | `{locationId, mdmInfo, notificationUrl?}` |
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
  type SeedInput,
} from './types.ts';

const Count = z.number().int().positive();
const LocationId = z.string().min(1);

type Action = (sim: AppleSimulator, body: unknown) => void;

function action<S extends z.ZodType>(
  schema: S,
  run: (sim: AppleSimulator, args: z.infer<S>) => void,
): Action {
  return (sim, body) => run(sim, parse(schema, body));
}

const ACTION_ROUTES: Readonly<Record<string, Action>> = {
  purchase: action(
    z.object({
      locationId: LocationId,
      asset: AssetRefSchema,
      count: Count,
      details: AssetDetailsSchema.optional(),
    }),
    (sim, a) => sim.purchase(a.locationId, a.asset, a.count, a.details),
  ),
  refund: action(z.object({ locationId: LocationId, asset: AssetRefSchema, count: Count }), (sim, a) =>
    sim.refund(a.locationId, a.asset, a.count),
  ),
  transfer: action(
    z.object({ fromLocationId: LocationId, toLocationId: LocationId, asset: AssetRefSchema, count: Count }),
    (sim, a) => sim.transfer(a.fromLocationId, a.toLocationId, a.asset, a.count),
  ),
  'external-assign': action(
    z.object({ locationId: LocationId, asset: AssetRefSchema, target: AssignTargetSchema }),
    (sim, a) => sim.externalAssign(a.locationId, a.asset, a.target),
  ),
  'external-unassign': action(
    z.object({ locationId: LocationId, asset: AssetRefSchema, target: AssignTargetSchema }),
    (sim, a) => sim.externalUnassign(a.locationId, a.asset, a.target),
  ),
  'accept-invitation': action(
    z.object({
      locationId: LocationId,
      clientUserId: z.string().min(1),
      appleAccount: z.string().optional(),
    }),
    (sim, a) => sim.acceptInvitation(a.locationId, a.clientUserId, a.appleAccount),
  ),
  'expire-token': action(z.object({ token: z.string().min(1) }), (sim, a) => sim.expireToken(a.token)),
  'revoke-token': action(z.object({ token: z.string().min(1) }), (sim, a) => sim.revokeToken(a.token)),
  'claim-by-other-mdm': action(
    z.object({ locationId: LocationId, mdmInfo: MdmInfoSchema, notificationUrl: z.string().optional() }),
    (sim, a) => sim.claimByOtherMdm(a.locationId, a.mdmInfo, a.notificationUrl),
  ),
};

const TokenRequestSchema = z.object({ locationId: LocationId, expiresAt: z.string().optional() });

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
  const route = `${method} ${path.replace(/\/+$/, '')}`;
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
    const actionName = /^POST \/_sim\/actions\/([a-z-]+)$/.exec(route)?.[1];
    if (actionName !== undefined) {
      const run = ACTION_ROUTES[actionName];
      if (!run) {
        sendJson(res, 404, { error: `unknown action ${actionName}` });
        return;
      }
      run(sim, body);
      sendJson(res, 200, { ok: true });
      return;
    }
    switch (route) {
      case 'POST /_sim/seed':
        // applySeed validates the input itself.
        sendJson(res, 200, sim.seed(body as SeedInput));
        return;
      case 'POST /_sim/tokens': {
        const { locationId, expiresAt } = parse(TokenRequestSchema, body);
        const date = expiresAt === undefined ? undefined : new Date(expiresAt);
        if (date && Number.isNaN(date.getTime())) throw new SimulatorUsageError('expiresAt is not a date');
        sendJson(res, 200, { token: sim.issueToken(locationId, date ? { expiresAt: date } : {}) });
        return;
      }
      case 'PUT /_sim/faults':
        sim.setFaults(parse(FaultConfigSchema, body));
        sendJson(res, 200, { ok: true });
        return;
      case 'DELETE /_sim/faults':
        sim.clearFaults();
        sendJson(res, 200, { ok: true });
        return;
      case 'GET /_sim/state':
        sendJson(res, 200, sim.snapshot());
        return;
      case 'GET /_sim/calls':
        sendJson(res, 200, sim.calls());
        return;
      case 'DELETE /_sim/calls':
        sim.resetCalls();
        sendJson(res, 200, { ok: true });
        return;
      case 'POST /_sim/settle':
        await sim.settle();
        sendJson(res, 200, { ok: true });
        return;
      default:
        sendJson(res, 404, { error: `unknown control route ${route}` });
    }
  } catch (error) {
    if (error instanceof SimulatorUsageError) sendJson(res, 400, { error: error.message });
    else sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}
