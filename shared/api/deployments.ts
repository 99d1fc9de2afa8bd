/** Deployments: how an asset reaches its scope (SPEC §3, §4, §5.7). */
import * as z from 'zod';
import type {
  DeploymentPlanView,
  DeploymentView,
  PutDeploymentView,
} from '../application/deployments/deployment-view.ts';
import type { DeploymentInput } from '../application/deployments/manage-deployments.ts';
import { DeploymentSchema } from '../domain/deployment.ts';
import { AssetParams, PricingQueryShape } from './assets.ts';
import { JobViewSchema, startsJob } from './jobs.ts';
import { jwtRoutes, schemaOf } from './route.ts';

const Tag = z.string().trim().min(1).max(64);

export const DeploymentBody = schemaOf<DeploymentInput>()(
  z
    .object({
      method: z.enum(['device', 'user']),
      scope: z
        .object({
          networks: z
            .array(z.string().trim().min(1).max(128))
            .max(500)
            .default([])
            .meta({ description: 'Empty: any network.' }),
          tags: z
            .array(Tag)
            .max(100)
            .default([])
            .meta({ description: 'Empty: any tags (devices); users then need to own an in-scope device.' }),
        })
        .strict(),
      autoAssign: z.boolean(),
      autoRevoke: z.boolean(),
      revokeGraceHours: z
        .number()
        .int()
        .min(0)
        .max(24 * 90)
        .default(0),
    })
    .strict()
    .meta({ id: 'DeploymentInput' }),
);

export const DeploymentViewSchema = schemaOf<DeploymentView>()(
  DeploymentSchema.omit({ orgId: true, accountId: true })
    // Documented as it always was: a whole number of hours.
    .extend({ revokeGraceHours: z.number().int() })
    .meta({ id: 'Deployment' }),
);

export const PutDeploymentSchema = schemaOf<PutDeploymentView>()(
  DeploymentViewSchema.extend({
    reconcileJob: JobViewSchema.optional().meta({
      description:
        'The reconciliation of this deployment the change queued (run after the debounce); absent when one was already waiting, which the change joins.',
    }),
  }).meta({ id: 'PutDeployment' }),
);

const PlanSchema = schemaOf<DeploymentPlanView>()(
  z
    .object({
      deployment: DeploymentViewSchema,
      inScope: z.number().int(),
      freeLicenses: z.number().int().nullable().meta({ description: 'null: unlimited.' }),
      grant: z
        .array(z.string())
        .meta({ description: 'Would be granted now, in the stable order (oldest in the inventory first).' }),
      revoke: z.array(z.object({ subject: z.string(), graceEndsAt: z.string() })).meta({
        description: 'Out of scope past their grace period: revoked now (graceEndsAt is when it ended).',
      }),
      inGrace: z.array(z.object({ subject: z.string(), graceEndsAt: z.string() })),
      retryLater: z.array(z.object({ subject: z.string(), retryAt: z.string(), code: z.string() })).meta({
        description:
          'In scope, refused by Apple for a reason a retry will not fix at once (retried a day after the refusal).',
      }),
      skipped: z.array(z.object({ subject: z.string(), code: z.string(), reason: z.string() })).meta({
        description:
          "In scope, but the asset cannot go to it: device.platform_unsupported (the device's platform is not among the asset's supportedPlatforms). Never granted; a licence it holds is not taken back for it.",
      }),
      shortage: z.object({ count: z.number().int(), subjects: z.array(z.string()) }),
    })
    .meta({ id: 'DeploymentPlan' }),
);

/** An asset's deployment: every route is under this path. */
const DEPLOYMENT = '/v1/accounts/{accountId}/assets/{adamId}/deployment';

/** Every deployment route is about one asset (and its pricing, when the adamId is held with both). */
const route = jwtRoutes('deployments', { params: AssetParams, query: z.object(PricingQueryShape) });

export const putDeployment = route('putDeployment', `PUT ${DEPLOYMENT}`, {
  summary:
    'Create or replace the deployment of an asset: method, scope (networks and tags), autoAssign, autoRevoke, grace period.',
  body: DeploymentBody,
  response: { status: 200, schema: PutDeploymentSchema },
  errors: [404, 409, 422],
});

export const deleteDeployment = route('deleteDeployment', `DELETE ${DEPLOYMENT}`, {
  summary: 'Remove the deployment; holders keep their licences.',
  response: {
    status: 200,
    schema: z.object({ removed: z.literal(true) }).meta({ id: 'DeploymentRemoved' }),
  },
  errors: [404, 409],
});

export const getDeploymentPlan = route('getDeploymentPlan', `GET ${DEPLOYMENT}/plan`, {
  summary:
    'Dry run of the reconciliation: who would be granted, who revoked (and when the grace ends), the shortage.',
  response: { status: 200, schema: PlanSchema },
  errors: [404, 409],
});

export const previewDeploymentPlan = route('previewDeploymentPlan', `POST ${DEPLOYMENT}/plan`, {
  summary:
    'Dry run of a deployment before it is saved: the plan the body would make (as GET …/plan for the saved one). Nothing is written.',
  body: DeploymentBody,
  response: { status: 200, schema: PlanSchema },
  errors: [404, 409, 422],
});

export const reconcileDeployment = route('reconcileDeployment', `POST ${DEPLOYMENT}/reconcile`, {
  summary: 'Reconcile this deployment now (a job).',
  ...startsJob({ account: 'manage' }),
  errors: [404, 409],
});

export const DEPLOYMENT_ROUTES = [
  putDeployment,
  deleteDeployment,
  getDeploymentPlan,
  previewDeploymentPlan,
  reconcileDeployment,
];
