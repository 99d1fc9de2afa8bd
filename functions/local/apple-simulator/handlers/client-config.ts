/**
 * `GET` and `POST client/config` (reference §4).
 *
 * POST validates synchronously (9723, 9724, 9725, 9713, 9710, 9711, 9712), then, when a URL and token
 * are given, delivers a `TEST_NOTIFICATION` before storing anything; a failed delivery rejects the
 * whole request with 9728. Choices where Apple is silent (reference §14.10):
 * - notification settings are replaced as a whole on every POST: an omitted URL and token clear them;
 *   omitted `notificationTypes` means the four classic types when a URL is given, none otherwise;
 * - an omitted `mdmInfo` keeps the current one (Apple documents no way to clear it);
 * - another MDM may overwrite everything (no lock), as at Apple.
 */
import { ClientConfigRequestSchema } from '#application/ports/vpp-schemas.ts';
import { AppleError } from '../apple-error.ts';
import { type AppleHandler, bodyObject, parseBody } from '../apple-request.ts';
import { limit } from '../context.ts';
import type { LocationRecord } from '../state.ts';
import { SERVICE_NOTIFICATION_TYPES } from './service-config.ts';

/** Apple's `ClientConfigResponse` minus the common metadata the router adds. */
export function clientConfigView(location: LocationRecord): object {
  return {
    countryISO2ACode: location.countryISO2ACode,
    defaultPlatform: location.defaultPlatform,
    locationName: location.name,
    ...(location.notificationAuthToken !== undefined && {
      notificationAuthToken: location.notificationAuthToken,
    }),
    ...(location.notificationUrl !== undefined && { notificationUrl: location.notificationUrl }),
    subscribedNotificationTypes: [...location.subscribedNotificationTypes],
    websiteURL: location.websiteURL,
  };
}

/** `GET client/config`. */
export const getClientConfig: AppleHandler = (_ctx, req) => clientConfigView(req.location);

/** `POST client/config`. */
export const postClientConfig: AppleHandler = async (ctx, req) => {
  const request = parseBody(ClientConfigRequestSchema, bodyObject(req.body));
  const location = req.location;

  const mdm = request.mdmInfo;
  if (mdm) {
    if (mdm.id === undefined || mdm.name === undefined || mdm.metadata === undefined)
      throw new AppleError(9723);
    if (mdm.id.length > limit(ctx, 'maxMdmIdLength')) throw new AppleError(9724);
    if (mdm.name.length > limit(ctx, 'maxMdmNameLength')) throw new AppleError(9725);
    if (mdm.metadata.length > limit(ctx, 'maxMdmMetadataLength')) throw new AppleError(9713);
  }

  // An empty string is treated as "not given": there is nothing to deliver to or with.
  const url = request.notificationUrl || undefined;
  const authToken = request.notificationAuthToken || undefined;
  if ((url === undefined) !== (authToken === undefined)) throw new AppleError(9710);
  if (url !== undefined && authToken !== undefined) {
    const max = limit(ctx, 'maxNotificationLength');
    if (url.length > max || authToken.length > max) throw new AppleError(9711);
    if (!acceptableUrl(url, ctx.options.allowHttpNotifications)) throw new AppleError(9712);
    const delivered = await ctx.notifier.sendTest(url, authToken, location.uId, location.id);
    if (!delivered) throw new AppleError(9728);
  }

  if (mdm?.id !== undefined && mdm.name !== undefined && mdm.metadata !== undefined) {
    location.mdmInfo = { id: mdm.id, name: mdm.name, metadata: mdm.metadata };
  }
  if (url !== undefined && authToken !== undefined) {
    location.notificationUrl = url;
    location.notificationAuthToken = authToken;
  } else {
    delete location.notificationUrl;
    delete location.notificationAuthToken;
  }
  const types = request.notificationTypes ?? (url === undefined ? [] : SERVICE_NOTIFICATION_TYPES);
  location.subscribedNotificationTypes = [...new Set(types)].sort();
  ctx.changed();
  return clientConfigView(location);
};

/** HTTPS with a host (Apple: host and path only); plain HTTP only in local mode. */
function acceptableUrl(raw: string, allowHttp: boolean): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.hostname === '' || url.username !== '' || url.password !== '') return false;
  return url.protocol === 'https:' || (allowHttp && url.protocol === 'http:');
}
