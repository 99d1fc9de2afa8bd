/** VPP users: add, import from CSV, list, read with their licences, change. */
import { inviteUsers, retireUsers } from '../../shared/api/invitations.ts';
import { createUser, getUser, importUsers, listUsers, updateUser } from '../../shared/api/users.ts';
import { addUser } from '../../shared/application/users/add-user.ts';
import * as importing from '../../shared/application/users/import-users.ts';
import { requestInvitations } from '../../shared/application/users/invitations.ts';
import * as reading from '../../shared/application/users/read-users.ts';
import { requestRetirements } from '../../shared/application/users/retirements.ts';
import { updateUser as changeUser } from '../../shared/application/users/update-user.ts';
import { bind, httpFunction } from '../lib/http.ts';

export const handler = httpFunction(
  bind(createUser, async ({ deps, principal, params, body }) => ({
    status: 201,
    body: await addUser(deps, principal, params.accountId, body),
  })),
  bind(importUsers, async ({ deps, principal, params, body }) => ({
    status: 201,
    body: await importing.importUsers(deps, principal, params.accountId, body),
  })),
  bind(listUsers, async ({ deps, principal, params, query }) => ({
    body: await reading.listUsers(deps, principal, params.accountId, query),
  })),
  bind(getUser, async ({ deps, principal, params }) => ({
    body: await reading.getUser(deps, principal, params.accountId, params.userId),
  })),
  bind(updateUser, async ({ deps, principal, params, body }) => ({
    body: await changeUser(deps, principal, params.accountId, params.userId, body),
  })),
  bind(inviteUsers, async ({ deps, principal, params, body }) => ({
    status: 202,
    body: await requestInvitations(deps, principal, params.accountId, body.userIds),
  })),
  bind(retireUsers, async ({ deps, principal, params, body }) => ({
    status: 202,
    body: await requestRetirements(deps, principal, params.accountId, body.userIds),
  })),
);
