/** VPP accounts: content tokens of Apple locations (SPEC §4, §5.1, §5.2). */
import * as z from 'zod';
import type { AccountView } from '../application/accounts/account-view.ts';
import type { AddedAccountView, CreateAccountInput } from '../application/accounts/add-account.ts';
import type {
  AccountRemoval,
  RenewTokenInput,
  UpdateAccountInput,
} from '../application/accounts/manage-accounts.ts';
import { AccountStatusSchema } from '../domain/account.ts';
import { JobViewSchema, startsJob } from './jobs.ts';
import { jwtRoutes, schemaOf } from './route.ts';

const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
const NetworkId = z.string().trim().min(1).max(128);
const Name = z.string().trim().min(1).max(100);
/** The content of the `.vpptoken` file; size-bounded, checked in depth by the use case. */
const TokenText = z.string().max(16_384, 'The token is too long to be an Apple content token.');

export const AccountParams = z.object({ accountId: z.string().min(1).max(64) });

export const CreateAccountBody = schemaOf<CreateAccountInput>()(
  z
    .object({
      name: Name,
      email: Email,
      token: TokenText,
      allowedAdmins: z.array(Email).max(200).default([]),
      assignableNetworks: z.array(NetworkId).max(1000).default([]),
      takeOver: z.boolean().default(false),
    })
    .strict()
    .meta({ id: 'CreateAccount' }),
);

export const UpdateAccountBody = schemaOf<UpdateAccountInput>()(
  z
    .object({
      name: Name.optional(),
      email: Email.optional(),
      allowedAdmins: z.array(Email).max(200).optional(),
      assignableNetworks: z.array(NetworkId).max(1000).optional(),
    })
    .strict()
    .refine((b) => Object.keys(b).length > 0, {
      message: 'Give at least one of name, email, allowedAdmins, assignableNetworks.',
    })
    .meta({ id: 'UpdateAccount' }),
);

export const RenewTokenBody = schemaOf<RenewTokenInput>()(
  z
    .object({ token: TokenText, takeOver: z.boolean().default(false) })
    .strict()
    .meta({ id: 'RenewToken' }),
);

export const AccountViewSchema = schemaOf<AccountView>()(
  z
    .object({
      id: z.string(),
      name: z.string(),
      email: z.string(),
      allowedAdmins: z.array(z.string()),
      assignableNetworks: z.array(z.string()).meta({ description: 'Empty: every network.' }),
      status: AccountStatusSchema,
      claimedBy: z
        .string()
        .optional()
        .meta({ description: 'The other MDM, when status is claimed-elsewhere.' }),
      location: z.object({
        uId: z.string(),
        name: z.string(),
        organizationName: z.string(),
        countryISO2ACode: z.string().optional(),
        websiteURL: z.string().optional(),
      }),
      tokenExpiresAt: z.string(),
      lastSync: z
        .object({ at: z.string(), jobId: z.string().optional(), full: z.boolean() })
        .nullable()
        .meta({ description: 'The last sync that completed.' }),
      counts: z.object({
        assets: z.number().int(),
        licenses: z.object({
          total: z.number().int(),
          assigned: z.number().int(),
          available: z.number().int(),
        }),
        users: z.number().int(),
      }),
      createdAt: z.string(),
      updatedAt: z.string(),
    })
    .meta({ id: 'Account' }),
);

const route = jwtRoutes('accounts');
/** The routes of one account, under `/v1/accounts/{accountId}`. */
const accountRoute = jwtRoutes('accounts', { params: AccountParams });

export const AddedAccountSchema = schemaOf<AddedAccountView>()(
  AccountViewSchema.extend({
    syncJob: JobViewSchema.meta({ description: "The account's first sync (a full one), as a job." }),
  }).meta({ id: 'AddedAccount' }),
);

export const createAccount = route('createAccount', 'POST /v1/accounts', {
  summary:
    'Add a VPP account from a content token: validates it, claims the location at Apple, starts the first sync.',
  body: CreateAccountBody,
  response: { status: 201, schema: AddedAccountSchema },
  errors: [409, 422, 502],
});

export const listAccounts = route('listAccounts', 'GET /v1/accounts', {
  summary: 'The accounts you may see, with status, expiry, location, last sync and counts.',
  response: {
    status: 200,
    schema: z.object({ items: z.array(AccountViewSchema) }).meta({ id: 'AccountList' }),
  },
});

export const getAccount = accountRoute('getAccount', 'GET /v1/accounts/{accountId}', {
  summary: 'One account.',
  response: { status: 200, schema: AccountViewSchema },
  errors: [404],
});

export const updateAccount = accountRoute('updateAccount', 'PATCH /v1/accounts/{accountId}', {
  summary: 'Change name, contact e-mail, allowed admins or assignable networks.',
  body: UpdateAccountBody,
  response: { status: 200, schema: AccountViewSchema },
  errors: [404, 409],
});

export const renewToken = accountRoute('renewToken', 'PUT /v1/accounts/{accountId}/token', {
  summary:
    'Renew the content token in place (same location only); takeOver re-claims a location another MDM took.',
  body: RenewTokenBody,
  response: { status: 200, schema: AccountViewSchema },
  errors: [404, 409, 422, 502],
});

export const removeAccount = accountRoute('removeAccount', 'DELETE /v1/accounts/{accountId}', {
  summary:
    "Remove the account. Its token is scheduled for deletion; Apple's assignments stay (the answer says how many); our copy of its assets, users and licence records is deleted in the background.",
  response: {
    status: 200,
    schema: schemaOf<AccountRemoval>()(
      z
        .object({
          id: z.string(),
          removed: z.literal(true),
          assignmentsKeptAtApple: z
            .number()
            .int()
            .meta({ description: 'Licences still assigned at Apple, as last known.' }),
        })
        .meta({ id: 'AccountRemoved' }),
    ),
  },
  errors: [404],
});

export const syncAccount = accountRoute('syncAccount', 'POST /v1/accounts/{accountId}/sync', {
  summary: 'Sync with Apple now (users, assets, assignments). ?full=true forces a full pass.',
  query: z.object({
    full: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  }),
  ...startsJob({ account: 'manage' }),
  errors: [404, 422],
});

export const ACCOUNT_ROUTES = [
  createAccount,
  listAccounts,
  getAccount,
  updateAccount,
  renewToken,
  removeAccount,
  syncAccount,
];
