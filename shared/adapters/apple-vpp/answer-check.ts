/**
 * Every answer checked against the question, at the edge: a filtered read (by `adamId`,
 * `pricingParam`, `clientUserId`, `serialNumber`, the asset flags, `activeOnly`/`retiredOnly`) keeps
 * only the items that match what was asked, so an Apple that ignores a filter never makes the service
 * file a holder under another asset or take one user for another. What is dropped is reported to the
 * client's observer (`apple anomaly`, the `AppleAnomaly` metric).
 */
import type { AssetFilter, AssignmentFilter, UserFilter } from '../../application/ports/vpp-client.ts';
import type { Assignment, ResponseAsset, ResponseUser } from '../../application/ports/vpp-schemas.ts';

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
