/**
 * Every answer checked against the question, at the edge: a filtered read (by `adamId`,
 * `pricingParam`, `clientUserId`, `serialNumber`, the asset flags, `activeOnly`/`retiredOnly`) keeps
 * only the items that match what was asked, so an Apple that ignores a filter never makes the service
 * file a holder under another asset or take one user for another. What is dropped is reported to the
 * client's observer (`apple anomaly`, the `AppleAnomaly` metric).
 */
import type {
  AssetFilter,
  AssignmentFilter,
  SubscriptionAdminFilter,
  SubscriptionAssignmentFilter,
  SubscriptionFilter,
  UserFilter,
} from '../../application/ports/vpp-client.ts';
import type {
  Assignment,
  ResponseAsset,
  ResponseSubscription,
  ResponseUser,
  SubscriptionAdmin,
  SubscriptionAssignment,
} from '../../application/ports/vpp-schemas.ts';

/** One filter of a read: its name and whether an item answers it. */
export interface AnswerCheck<T> {
  /** The names of the filters asked (for the anomaly report; never their values). */
  readonly asked: readonly string[];
  readonly matches: (item: T) => boolean;
}

type Predicate<T> = (item: T) => boolean;

function check<T>(tests: readonly (readonly [string, Predicate<T>] | undefined)[]): AnswerCheck<T> {
  const asked = tests.filter((t): t is readonly [string, Predicate<T>] => t !== undefined);
  return { asked: asked.map(([name]) => name), matches: (item) => asked.every(([, test]) => test(item)) };
}

const equal = <T, V>(name: string, wanted: V | undefined, value: (item: T) => V | undefined) =>
  wanted === undefined ? undefined : ([name, (item: T) => value(item) === wanted] as const);

export function assetCheck(filter: AssetFilter): AnswerCheck<ResponseAsset> {
  return check<ResponseAsset>([
    equal('adamId', filter.adamId, (a) => a.adamId),
    equal('pricingParam', filter.pricingParam, (a) => a.pricingParam),
    equal('productType', filter.productType, (a) => a.productType),
    equal('deviceAssignable', filter.deviceAssignable, (a) => a.deviceAssignable),
    equal('revocable', filter.revocable, (a) => a.revocable),
  ]);
}

export function assignmentCheck(filter: AssignmentFilter): AnswerCheck<Assignment> {
  return check<Assignment>([
    equal('adamId', filter.adamId, (a) => a.adamId),
    equal('pricingParam', filter.pricingParam, (a) => a.pricingParam),
    equal('serialNumber', filter.serialNumber, (a) => a.serialNumber),
    equal('clientUserId', filter.clientUserId, (a) => a.clientUserId),
  ]);
}

const RETIRED = new Set(['Retired', 'Deleted']);

export function userCheck(filter: UserFilter): AnswerCheck<ResponseUser> {
  return check<ResponseUser>([
    equal('clientUserId', filter.clientUserId, (u) => u.clientUserId),
    filter.activeOnly ? (['activeOnly', (u: ResponseUser) => !RETIRED.has(u.status)] as const) : undefined,
    filter.retiredOnly ? (['retiredOnly', (u: ResponseUser) => RETIRED.has(u.status)] as const) : undefined,
  ]);
}

/** A filter of several values (the subscription endpoints take arrays): the item's value is one of them. */
const oneOf = <T>(name: string, wanted: readonly string[] | undefined, value: (item: T) => string | null) =>
  wanted === undefined || wanted.length === 0
    ? undefined
    : ([name, (item: T) => wanted.includes(value(item) ?? '')] as const);

export function subscriptionCheck(filter: SubscriptionFilter): AnswerCheck<ResponseSubscription> {
  return check<ResponseSubscription>([
    oneOf('adamId', filter.adamIds, (s) => s.adamId),
    oneOf('parentAdamId', filter.parentAdamIds, (s) => s.parentAdamId),
  ]);
}

/** Assignments carry no `parentAdamId`: that filter cannot be checked here. */
export function subscriptionAssignmentCheck(
  filter: SubscriptionAssignmentFilter,
): AnswerCheck<SubscriptionAssignment> {
  return check<SubscriptionAssignment>([
    oneOf('adamId', filter.adamIds, (a) => a.adamId),
    oneOf('clientUserId', filter.clientUserIds, (a) => a.clientUserId),
  ]);
}

export function subscriptionAdminCheck(filter: SubscriptionAdminFilter): AnswerCheck<SubscriptionAdmin> {
  return check<SubscriptionAdmin>([oneOf('adamId', filter.adamIds, (a) => a.adamId)]);
}
