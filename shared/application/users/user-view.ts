/** A user as answers show it: never Apple's `inviteCode` or `idHash`, nor our bookkeeping. */
import type { AssignmentRecord } from '../../domain/assignment.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import type { AssetNaming } from '../assets/asset-view.ts';
import { pickFields } from '../pick-fields.ts';

export const USER_VIEW_FIELDS = [
  'id',
  'email',
  'name',
  'managedAppleId',
  'tags',
  'status',
  'source',
  'createdAt',
  'updatedAt',
] as const;

export type UserView = Pick<VppUser, (typeof USER_VIEW_FIELDS)[number]>;

export const toUserView = (user: VppUser): UserView => pickFields(user, USER_VIEW_FIELDS);

/** A licence the user holds, or is about to, with its asset's name and kind. */
export interface UserLicense
  extends Pick<AssignmentRecord, 'adamId' | 'pricingParam' | 'source'>,
    AssetNaming {
  state: 'granted' | 'pending-grant' | 'pending-revoke';
}

export interface UserDetail extends UserView {
  /** What the user holds, or is about to. */
  licenses: UserLicense[];
}
