/** VPP users of an account: add, import, list, read, change (SPEC §3 VPP user, §4 users). */
import * as z from 'zod';
import { PricingParamSchema } from '../domain/asset.ts';
import { AssignmentSourceSchema, AssignmentStateSchema } from '../domain/assignment.ts';
import { UserStatusSchema } from '../domain/vpp-user.ts';
import { AccountParams } from './accounts.ts';
import { defineRoute, PageQueryShape, pageOf } from './route.ts';

/**
 * The rules of each user field, shared by the JSON bodies and the CSV import (one source of truth).
 * Tags may not contain `;`, the separator of tags within a CSV cell, so every tag survives a round trip.
 */
export const UserFields = {
  email: z
    .email('not a valid e-mail address')
    .max(254)
    .transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(200),
  managedAppleId: z
    .email('not a valid Managed Apple Account (an e-mail-style Apple Account)')
    .max(254)
    .transform((e) => e.toLowerCase()),
  tags: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(64)
        .refine((t) => !t.includes(';'), 'a tag may not contain ";"'),
    )
    .max(50)
    .transform((tags) => [...new Set(tags)]),
};

export const UserParams = AccountParams.extend({ userId: z.string().min(1).max(256) });

export const CreateUserBody = z
  .object({
    email: UserFields.email,
    name: UserFields.name.optional(),
    managedAppleId: UserFields.managedAppleId.optional(),
    tags: UserFields.tags.default([]),
  })
  .strict()
  .meta({ id: 'CreateUser' });

export const UpdateUserBody = z
  .object({
    name: UserFields.name.nullable().optional().meta({ description: 'null removes the name.' }),
    tags: UserFields.tags.optional().meta({ description: 'Replaces the tags.' }),
    email: UserFields.email
      .optional()
      .meta({ description: 'Sent to Apple as an update when the user is Invited or Associated.' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Give at least one of name, tags, email.' })
  .meta({ id: 'UpdateUser' });

/** The CSV file as sent; its size, rows and cells are checked by the use case (413, 400, per-row reasons). */
export const ImportUsersBody = z.string().meta({
  id: 'UserImportFile',
  description:
    'text/csv, UTF-8 (a BOM is fine), LF or CRLF line ends, RFC 4180 quoting. Header row with the columns email (required), name, managedAppleId, tags, in any order; tags within a cell are separated by ";". At most 1 MB and 5,000 rows.',
});

export const UserViewSchema = z
  .object({
    id: z.string().meta({ description: 'The clientUserId at Apple.' }),
    email: z.string().optional().meta({ description: 'Absent only for users created at Apple without one.' }),
    name: z.string().optional(),
    managedAppleId: z.string().optional(),
    tags: z.array(z.string()),
    status: UserStatusSchema,
    source: z.enum(['api', 'import', 'apple']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserViewSchema>;

export const UserLicenseSchema = z
  .object({
    adamId: z.string(),
    pricingParam: PricingParamSchema,
    state: AssignmentStateSchema.extract(['granted', 'pending-grant', 'pending-revoke']),
    source: AssignmentSourceSchema,
  })
  .meta({ id: 'UserLicense' });

export const UserDetailSchema = UserViewSchema.extend({
  licenses: z.array(UserLicenseSchema).meta({ description: 'What the user holds, or is about to.' }),
}).meta({ id: 'UserDetail' });
export type UserDetail = z.infer<typeof UserDetailSchema>;

export const ImportRejectionSchema = z
  .object({
    line: z.number().int().meta({ description: 'Line in the file, 1-based; the header is line 1.' }),
    email: z.string().optional(),
    reason: z.string(),
    code: z.string().meta({
      description:
        'import.email_invalid, import.duplicate_in_file, import.already_present, import.missing_column, import.extra_column, import.managed_apple_id_invalid, import.name_invalid, import.tags_invalid',
    }),
  })
  .meta({ id: 'UserImportRejection' });
export type ImportRejection = z.infer<typeof ImportRejectionSchema>;

export const ImportResultSchema = z
  .object({ added: z.array(UserViewSchema), rejected: z.array(ImportRejectionSchema) })
  .meta({ id: 'UserImportResult' });
export type ImportResult = z.infer<typeof ImportResultSchema>;

const tag = 'users';

export const createUser = defineRoute({
  id: 'createUser',
  method: 'POST',
  path: '/v1/accounts/{accountId}/users',
  fn: 'api-users',
  auth: 'jwt',
  summary: 'Add a user (status New). The e-mail is unique in the account (409 user.email_taken).',
  tag,
  params: AccountParams,
  body: CreateUserBody,
  response: { status: 201, schema: UserViewSchema },
  errors: [404, 409],
});

export const importUsers = defineRoute({
  id: 'importUsers',
  method: 'POST',
  path: '/v1/accounts/{accountId}/users/import',
  fn: 'api-users',
  auth: 'jwt',
  summary:
    'Add users from a CSV file: every good row is added, every bad row reported with its line and reason; a file with no good row adds nothing (422 import.no_valid_rows).',
  tag,
  params: AccountParams,
  bodyType: 'csv',
  body: ImportUsersBody,
  response: { status: 201, schema: ImportResultSchema },
  errors: [404, 413, 415, 422],
});

export const listUsers = defineRoute({
  id: 'listUsers',
  method: 'GET',
  path: '/v1/accounts/{accountId}/users',
  fn: 'api-users',
  auth: 'jwt',
  summary: 'Users, by e-mail; filters status, email (exact, any case) and tag.',
  tag,
  params: AccountParams,
  query: z.object({
    ...PageQueryShape,
    status: UserStatusSchema.optional(),
    email: z
      .string()
      .trim()
      .min(1)
      .max(254)
      .transform((e) => e.toLowerCase())
      .optional(),
    tag: z.string().trim().min(1).max(64).optional(),
  }),
  response: { status: 200, schema: pageOf(UserViewSchema, 'UserPage') },
  errors: [404],
});

export const getUser = defineRoute({
  id: 'getUser',
  method: 'GET',
  path: '/v1/accounts/{accountId}/users/{userId}',
  fn: 'api-users',
  auth: 'jwt',
  summary: 'One user with the licences they hold.',
  tag,
  params: UserParams,
  response: { status: 200, schema: UserDetailSchema },
  errors: [404],
});

export const updateUser = defineRoute({
  id: 'updateUser',
  method: 'PATCH',
  path: '/v1/accounts/{accountId}/users/{userId}',
  fn: 'api-users',
  auth: 'jwt',
  summary:
    'Change name, tags or e-mail. A new e-mail of an Invited or Associated user is sent to Apple as an update.',
  tag,
  params: UserParams,
  body: UpdateUserBody,
  response: { status: 200, schema: UserViewSchema },
  errors: [404, 409, 422, 502],
});

export const USER_ROUTES = [createUser, importUsers, listUsers, getUser, updateUser];
