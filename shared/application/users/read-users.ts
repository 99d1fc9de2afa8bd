/**
 * Reading an account's users (SPEC §4 `GET .../users`, `GET .../users/{userId}`). Anyone who may see
 * the account may read them.
 * - list: filters `status`, `email` (exact, any case: one read of the e-mail claim) and `tag`; sorted
 *   by e-mail, then id; paged.
 * - get: the user with the licences they hold or are about to (granted, pending-grant,
 *   pending-revoke), each with its asset's name and product type.
 * Errors: cursor.invalid (400); account.not_found, user.not_found (404).
 */
import type { Principal } from '../../domain/principal.ts';
import type { UserStatus, VppUser } from '../../domain/vpp-user.ts';
import { loadAccountFor } from '../accounts/account-access.ts';
import { namedByAsset } from '../assets/asset-view.ts';
import { type Page, pageOf } from '../paging.ts';
import type { AssetRepository } from '../ports/asset-repository.ts';
import { loadUser, type UserDeps } from './user-deps.ts';
import { toUserView, type UserDetail, type UserLicense, type UserView } from './user-view.ts';

type ReadDeps = Pick<UserDeps, 'accounts' | 'users' | 'assignments'>;
type DetailDeps = ReadDeps & { readonly assets: Pick<AssetRepository, 'get'> };

/** Whether a user's e-mail, their name or a word of it starts with `search` (any case). */
export function userMatches(user: Pick<VppUser, 'email' | 'name'>, search: string): boolean {
  const wanted = search.trim().toLowerCase();
  if (user.email?.startsWith(wanted)) return true;
  const name = (user.name ?? '').toLowerCase();
  return name.startsWith(wanted) || name.split(/\s+/).some((word) => word.startsWith(wanted));
}

export async function listUsers(
  deps: ReadDeps,
  principal: Principal,
  accountId: string,
  query: {
    limit: number;
    cursor?: string | undefined;
    status?: UserStatus | undefined;
    email?: string | undefined;
    tag?: string | undefined;
    search?: string | undefined;
  },
): Promise<Page<UserView>> {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  let users: VppUser[];
  if (query.email !== undefined) {
    // A claim left behind by an e-mail changed at Apple may point at a user who no longer has it.
    const found = await deps.users.findByEmail(account.id, query.email.toLowerCase());
    users = found && found.email === query.email.toLowerCase() ? [found] : [];
  } else {
    users = await deps.users.listByAccount(account.id);
  }
  const tag = query.tag;
  const matching = users.filter(
    (u) =>
      (!query.status || u.status === query.status) &&
      (tag === undefined || u.tags.includes(tag)) &&
      (query.search === undefined || userMatches(u, query.search)),
  );
  // NUL sorts before every character, so "a@x" comes before "a@x.y" whatever the id.
  const page = pageOf(matching, (u) => `${u.email ?? ''}\u0000${u.id}`, query.limit, query.cursor);
  return { ...page, items: page.items.map(toUserView) };
}

export async function getUser(
  deps: DetailDeps,
  principal: Principal,
  accountId: string,
  userId: string,
): Promise<UserDetail> {
  const account = await loadAccountFor(deps, principal, accountId, 'read');
  const user = await loadUser(deps, account.id, userId);
  const held = (await deps.assignments.listBySubject(account.orgId, account.id, 'user', user.id))
    .sort((a, b) => a.adamId.localeCompare(b.adamId) || a.pricingParam.localeCompare(b.pricingParam))
    .flatMap((a) =>
      a.state === 'granted' || a.state === 'pending-grant' || a.state === 'pending-revoke'
        ? [{ ...a, state: a.state }]
        : [],
    );
  const licenses = (await namedByAsset(deps.assets, held)).map(
    ({ adamId, pricingParam, name, productType, state, source }): UserLicense => ({
      adamId,
      pricingParam,
      ...(name !== undefined ? { name } : {}),
      ...(productType !== undefined ? { productType } : {}),
      state,
      source,
    }),
  );
  return { ...toUserView(user), licenses };
}
