/**
 * `GET service/config` (reference §3): unauthenticated; every URL points back at this simulator, the
 * limits are the configured ones, and `errorCodes` is the whole shared error table.
 */
import { APPLE_ERRORS } from '#application/ports/vpp-errors.ts';
import type { SimulatorContext } from '../context.ts';

/** The four classic notification types Apple advertises. */
export const SERVICE_NOTIFICATION_TYPES = [
  'ASSET_MANAGEMENT',
  'USER_MANAGEMENT',
  'USER_ASSOCIATED',
  'ASSET_COUNT',
];

/** The `ServiceConfigResponse` of this simulator. */
export function serviceConfig(ctx: SimulatorContext): object {
  const base = `${ctx.url}/mdm/v2`;
  return {
    // Apple's example lists no subscription (98xx) error (apple-subscriptions.md U30).
    errorCodes: APPLE_ERRORS.filter((e) => e.errorNumber < 9800 || e.errorNumber >= 9900).map((e) => ({
      errorNumber: e.errorNumber,
      errorMessage: e.message,
    })),
    limits: { ...ctx.options.limits },
    notificationTypes: [...SERVICE_NOTIFICATION_TYPES],
    urls: {
      invitationEmail: `${ctx.url}/invitation?inviteCode=%25inviteCode%25`,
      clientConfig: `${base}/client/config`,
      createUsers: `${base}/users/create`,
      getAssignments: `${base}/assignments`,
      revokeAssets: `${base}/assets/revoke`,
      contentMetadataLookup: `${ctx.url}/lookup`,
      getUsers: `${base}/users`,
      eventStatus: `${base}/status`,
      associateAssets: `${base}/assets/associate`,
      disassociateAssets: `${base}/assets/disassociate`,
      updateUsers: `${base}/users/update`,
      getAssets: `${base}/assets`,
      retireUsers: `${base}/users/retire`,
    },
  };
}
