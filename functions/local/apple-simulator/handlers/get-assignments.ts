/**
 * `GET assignments` (reference §5.2, §7): filters, `includeUserState`, `excludeInactiveUsers`, paging
 * and `sinceVersionId`. Only existing assignments are listed: one removed after the given version is
 * simply absent from the incremental answer (Apple leaves this unsaid, reference §14.8).
 */
import { AppleError } from '../apple-error.ts';
import type { AppleHandler } from '../apple-request.ts';
import { assignmentView } from '../ledger.ts';
import { afterPageServed } from '../page-faults.ts';
import { paginate, requestedPage } from '../paging.ts';
import { booleanParam, enumParam, stringParam } from '../query.ts';
import type { AssignmentRecord } from '../state.ts';
import { currentVersionId, versionIndex } from '../versions.ts';

/** `GET assignments`. */
export const getAssignments: AppleHandler = (ctx, req) => {
  const q = req.query;
  const location = req.location;
  const pageIndex = requestedPage(q);
  const adamId = stringParam(q, 'adamId');
  const clientUserId = stringParam(q, 'clientUserId');
  const serialNumber = stringParam(q, 'serialNumber');
  const pricingParam = enumParam(q, 'pricingParam', ['STDQ', 'PLUS'] as const);
  const includeUserState = booleanParam(q, 'includeUserState') ?? false;
  const excludeInactiveUsers = booleanParam(q, 'excludeInactiveUsers') ?? false;
  const since = stringParam(q, 'sinceVersionId');
  const sinceIndex = since === undefined ? -1 : versionIndex(location.assignmentsVersions, since);
  if (sinceIndex === undefined) throw new AppleError(9721);

  const userOf = (a: AssignmentRecord) =>
    a.userRef === undefined ? undefined : location.users.get(a.userRef);
  const filtered = !ctx.faults.config.ignoreFilters;
  const matches = (a: AssignmentRecord): boolean =>
    a.version > sinceIndex &&
    (!filtered ||
      ((adamId === undefined || a.adamId === adamId) &&
        (pricingParam === undefined || a.pricingParam === pricingParam) &&
        (clientUserId === undefined || a.clientUserId === clientUserId) &&
        (serialNumber === undefined || a.serialNumber === serialNumber) &&
        (!excludeInactiveUsers || userOf(a)?.status !== 'Retired')));

  const versionId = currentVersionId(location.assignmentsVersions);
  const { items, meta } = paginate(
    [...location.assignments.values()].filter(matches),
    pageIndex,
    ctx.options.pageSize,
  );
  const assignments = items.map((a) => {
    const view = assignmentView(a);
    const user = userOf(a);
    if (!includeUserState || !user) return view;
    return { ...view, userStatus: user.status, ...(user.idHash !== undefined && { idHash: user.idHash }) };
  });
  afterPageServed(ctx, location, 'assignments', meta);
  return { assignments, ...meta, versionId };
};
