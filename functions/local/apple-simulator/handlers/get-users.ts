/**
 * `GET users` (reference §6.1, §7): `activeOnly`, `retiredOnly`, `clientUserId`, paging and
 * `sinceVersionId`. Retired entries stay listed (status `Retired`), so an incremental read shows a
 * retirement; a `clientUserId` may appear several times (retired entries plus the active one).
 */
import { AppleError } from '../apple-error.ts';
import type { AppleHandler } from '../apple-request.ts';
import { userView } from '../ledger.ts';
import { afterPageServed } from '../page-faults.ts';
import { paginate, requestedPage } from '../paging.ts';
import { booleanParam, stringParam } from '../query.ts';
import type { UserRecord } from '../state.ts';
import { currentVersionId, versionIndex } from '../versions.ts';

/** `GET users`. */
export const getUsers: AppleHandler = (ctx, req) => {
  const q = req.query;
  const location = req.location;
  const pageIndex = requestedPage(q);
  const activeOnly = booleanParam(q, 'activeOnly') ?? false;
  const retiredOnly = booleanParam(q, 'retiredOnly') ?? false;
  const clientUserId = stringParam(q, 'clientUserId');
  const since = stringParam(q, 'sinceVersionId');
  const sinceIndex = since === undefined ? -1 : versionIndex(location.usersVersions, since);
  if (sinceIndex === undefined) throw new AppleError(9721);

  const filtered = !ctx.faults.config.ignoreFilters;
  const matches = (u: UserRecord): boolean =>
    u.version > sinceIndex &&
    (!filtered ||
      ((!activeOnly || u.status !== 'Retired') &&
        (!retiredOnly || u.status === 'Retired') &&
        (clientUserId === undefined || u.clientUserId === clientUserId)));

  const versionId = currentVersionId(location.usersVersions);
  const { items, meta } = paginate(
    [...location.users.values()].filter(matches),
    pageIndex,
    ctx.options.pageSize,
  );
  afterPageServed(ctx, location, 'users', meta);
  return { users: items.map(userView), ...meta, versionId };
};
