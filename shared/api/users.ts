/** VPP users of an account: add, import, list, read, change (SPEC §3 VPP user, §4 users). */
import * as z from 'zod';
import type { CreateUserInput } from '../application/users/add-user.ts';
import type { ImportRejection, ImportResult } from '../application/users/import-users.ts';
import type { UpdateUserInput } from '../application/users/update-user.ts';
import { UserFields } from '../application/users/user-fields.ts';
import {
  USER_VIEW_FIELDS,
  type UserDetail,
  type UserLicense,
  type UserView,
} from '../application/users/user-view.ts';
import { AssignmentRecordSchema, AssignmentStateSchema } from '../domain/assignment.ts';
import { UserStatusSchema, VppUserSchema } from '../domain/vpp-user.ts';
import { AccountParams } from './accounts.ts';
import { AssetNamingShape } from './assets.ts';
import { jwtRoutes, maskOf, PageQueryShape, pageOf, queryText, schemaOf } from './route.ts';

export const UserParams = AccountParams.extend({ userId: z.string().min(1).max(256) });

export const CreateUserBody = schemaOf<CreateUserInput>()(
  z
    .object({
      email: UserFields.email,
      name: UserFields.name.optional(),
      managedAppleId: UserFields.managedAppleId.optional(),
      tags: UserFields.tags.default([]),
    })
    .strict()
    .meta({ id: 'CreateUser' }),
);

export const UpdateUserBody = schemaOf<UpdateUserInput>()(
  z
    .object({
      name: UserFields.name.nullable().optional().meta({ description: 'null removes the name.' }),
      tags: UserFields.tags.optional().meta({ description: 'Replaces the tags.' }),
      email: UserFields.email
        .optional()
        .meta({ description: 'Sent to Apple as an update when the user is Invited or Associated.' }),
    })
    .strict()
    .refine((b) => Object.keys(b).length > 0, { message: 'Give at least one of name, tags, email.' })
    .meta({ id: 'UpdateUser' }),
);

/** The CSV file as sent; its size, rows and cells are checked by the use case (413, 400, per-row reasons). */
export const ImportUsersBody = z.string().meta({
  id: 'UserImportFile',
  description:
    'text/csv, UTF-8 (a BOM is fine), LF or CRLF line ends, RFC 4180 quoting. Header row with the columns email (required), name, managedAppleId, tags, in any order; tags within a cell are separated by ";". At most 1 MB and 5,000 rows.',
});

export const UserViewSchema = schemaOf<UserView>()(
  VppUserSchema.pick(maskOf(USER_VIEW_FIELDS))
    .extend({
      id: VppUserSchema.shape.id.meta({ description: 'The clientUserId at Apple.' }),
      email: VppUserSchema.shape.email.meta({
        description: 'Absent only for users created at Apple without one.',
      }),
    })
    .meta({ id: 'User' }),
);

export const UserLicenseSchema = schemaOf<UserLicense>()(
  AssignmentRecordSchema.pick({ adamId: true, pricingParam: true, state: true, source: true })
    .extend({
      ...AssetNamingShape,
      state: AssignmentStateSchema.extract(['granted', 'pending-grant', 'pending-revoke']),
    })
    .meta({ id: 'UserLicense' }),
);

export const UserDetailSchema = schemaOf<UserDetail>()(
  UserViewSchema.extend({
    licenses: z.array(UserLicenseSchema).meta({ description: 'What the user holds, or is about to.' }),
  }).meta({ id: 'UserDetail' }),
);

export const ImportRejectionSchema = schemaOf<ImportRejection>()(
  z
    .object({
      line: z.number().int().meta({ description: 'Line in the file, 1-based; the header is line 1.' }),
      email: z.string().optional(),
      reason: z.string(),
      code: z.string().meta({
        description:
          'import.email_invalid, import.duplicate_in_file, import.already_present, import.retired_exists, import.missing_column, import.extra_column, import.managed_apple_id_invalid, import.name_invalid, import.tags_invalid',
      }),
    })
    .meta({ id: 'UserImportRejection' }),
);

export const ImportResultSchema = schemaOf<ImportResult>()(
  z
    .object({ added: z.array(UserViewSchema), rejected: z.array(ImportRejectionSchema) })
    .meta({ id: 'UserImportResult' }),
);

/** The users of one account, under `/v1/accounts/{accountId}/users`. */
const usersRoute = jwtRoutes('users', { params: AccountParams });
/** One user, under `/v1/accounts/{accountId}/users/{userId}`. */
const userRoute = jwtRoutes('users', { params: UserParams });

export const createUser = usersRoute('createUser', 'POST /v1/accounts/{accountId}/users', {
  summary:
    "Add a user (status New). The e-mail is unique in the account (409 user.email_taken; a retired user's e-mail: 409 user.retired_exists naming that user, whom an invitation brings back).",
  body: CreateUserBody,
  response: { status: 201, schema: UserViewSchema },
  errors: [404, 409],
});

export const importUsers = usersRoute('importUsers', 'POST /v1/accounts/{accountId}/users/import', {
  summary:
    'Add users from a CSV file: every good row is added, every bad row reported with its line and reason; a file with no good row adds nothing (422 import.no_valid_rows).',
  bodyType: 'csv',
  body: ImportUsersBody,
  response: { status: 201, schema: ImportResultSchema },
  errors: [404, 413, 415, 422],
});

export const listUsers = usersRoute('listUsers', 'GET /v1/accounts/{accountId}/users', {
  summary: 'Users, by e-mail; filters status, email (exact, any case), tag and search (a prefix).',
  query: z.object({
    ...PageQueryShape,
    status: UserStatusSchema.optional(),
    email: queryText(254)
      .transform((e) => e.toLowerCase())
      .optional(),
    tag: queryText(64).optional(),
    search: queryText(254)
      .optional()
      .meta({ description: 'Users whose e-mail, their name or a word of it starts with it (any case).' }),
  }),
  response: { status: 200, schema: pageOf(UserViewSchema, 'UserPage') },
  errors: [404],
});

export const getUser = userRoute('getUser', 'GET /v1/accounts/{accountId}/users/{userId}', {
  summary: 'One user with the licences they hold.',
  response: { status: 200, schema: UserDetailSchema },
  errors: [404],
});

export const updateUser = userRoute('updateUser', 'PATCH /v1/accounts/{accountId}/users/{userId}', {
  summary:
    'Change name, tags or e-mail. A new e-mail of an Invited or Associated user is sent to Apple as an update.',
  body: UpdateUserBody,
  response: { status: 200, schema: UserViewSchema },
  errors: [404, 409, 422, 502],
});

export const USER_ROUTES = [createUser, importUsers, listUsers, getUser, updateUser];
