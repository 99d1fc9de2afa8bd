/**
 * Reading a content token at Apple and claiming its location: shared by adding an account and by
 * renewing its token. The service's `mdmInfo` marks the location as ours; its notification settings
 * point Apple at this account's endpoint, authenticated with the account's notification secret, when
 * Apple can reach it (`appleCanNotify`); otherwise only `mdmInfo` is written and events are polled.
 */
import { type ContentToken, parseContentToken } from '../../domain/content-token.ts';
import { ConflictError, DomainError, RuleViolationError, ValidationError } from '../../domain/errors.ts';
import type { Secret } from '../../domain/secret.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import { isVppError } from '../ports/vpp-errors.ts';
import type { ClientConfig, MdmInfo } from '../ports/vpp-schemas.ts';
import type { AccountDeps } from './account-deps.ts';

export const NOTIFICATION_TYPES = [
  'ASSET_MANAGEMENT',
  'ASSET_COUNT',
  'USER_MANAGEMENT',
  'USER_ASSOCIATED',
] as const;

/** Our `mdmInfo.id` for an account: the service and stage, then the account. */
export const mdmIdFor = (stage: string, accountId: string) => `vpp-manager:${stage}:${accountId}`;

/** Parses the uploaded file: 400 `token.blank` / `token.malformed`, 422 `token.expired`. */
export function readTokenFile(fileContent: string, now: Date): ContentToken {
  const parsed = parseContentToken(fileContent, now);
  if (parsed.ok) return parsed.token;
  if (parsed.problem === 'expired') throw new RuleViolationError('token.expired', parsed.message);
  throw new ValidationError(`token.${parsed.problem}`, parsed.message);
}

/** Asks Apple about the token (`client/config`); Apple's token errors become 422s an admin can act on. */
export async function readLocation(deps: Pick<AccountDeps, 'vpp'>, token: Secret): Promise<ClientConfig> {
  try {
    return await deps.vpp.getClientConfig(token);
  } catch (error) {
    if (isVppError(error, 'token_expired'))
      throw new RuleViolationError(
        'token.expired',
        'Apple says this content token has expired (9621). Download a new one.',
      );
    if (isVppError(error, 'token_revoked'))
      throw new RuleViolationError(
        'token.revoked',
        'Apple says this content token has been revoked (9625). Download a new one.',
      );
    if (isVppError(error, 'token_invalid')) {
      // Without Apple's number the client refused the token itself, before sending it.
      throw new RuleViolationError(
        'token.invalid',
        error.errorNumber === undefined
          ? 'This content token holds characters no Apple token has, so it was not sent to Apple. Download a new one.'
          : `Apple does not accept this content token (${error.errorNumber}). Download a new one.`,
      );
    }
    throw error;
  }
}

/** Refuses a location that another MDM holds, naming it, unless the caller takes it over. */
export function assertNotClaimedElsewhere(
  mdmInfo: MdmInfo | undefined,
  ours: (id: string) => boolean,
  takeOver: boolean,
): void {
  if (!mdmInfo || ours(mdmInfo.id) || takeOver) return;
  throw new ConflictError(
    'token.claimed_elsewhere',
    `This location is managed by another MDM ("${mdmInfo.name}"). Remove it there first, or send {"takeOver": true} to take it over.`,
    { mdmName: mdmInfo.name },
  );
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const onThisMachine = (url: string) => LOOPBACK.has(new URL(url).hostname);

/**
 * Whether Apple can deliver notifications to `publicBaseUrl`, so that they are worth registering:
 * an `https` URL on a public host, or (local mode, `allowHttpNotifications`) any URL on this machine
 * when Apple is a stand-in on this machine too. Apple itself never reaches a loopback address and
 * refuses a non-HTTPS URL (9712); the events are then polled (SPEC §5.4), changes made at Apple by
 * others are found by the syncs.
 */
export function appleCanNotify(
  settings: Pick<ServiceSettings, 'publicBaseUrl' | 'vppBaseUrl' | 'allowHttpNotifications'>,
): boolean {
  const publicUrl = new URL(settings.publicBaseUrl);
  if (onThisMachine(settings.publicBaseUrl))
    return (
      onThisMachine(settings.vppBaseUrl) &&
      (publicUrl.protocol === 'https:' || settings.allowHttpNotifications)
    );
  return publicUrl.protocol === 'https:';
}

/**
 * Writes our `mdmInfo` and, when Apple can reach us, our notification settings to Apple (Apple first
 * sends TEST_NOTIFICATION to us).
 */
export async function claimAtApple(
  deps: Pick<AccountDeps, 'vpp' | 'settings'>,
  token: Secret,
  accountId: string,
  notificationSecret: Secret,
): Promise<ClientConfig> {
  try {
    const mdmInfo = {
      id: mdmIdFor(deps.settings.stage, accountId),
      name: 'VPP Manager',
      metadata: `vpp-manager ${deps.settings.stage}`,
    };
    if (!appleCanNotify(deps.settings)) return await deps.vpp.updateClientConfig(token, { mdmInfo });
    return await deps.vpp.updateClientConfig(token, {
      mdmInfo,
      notificationUrl: `${deps.settings.publicBaseUrl}/apple/notifications/${accountId}`,
      notificationAuthToken: notificationSecret.reveal(),
      notificationTypes: [...NOTIFICATION_TYPES],
    });
  } catch (error) {
    if (
      isVppError(error, 'notification_unreachable') ||
      (isVppError(error, 'invalid_request') && error.errorNumber === 9712)
    ) {
      throw new DomainError(
        'upstream',
        'account.notification_unreachable',
        `Apple could not deliver a test notification to ${deps.settings.publicBaseUrl}/apple/notifications/… (error ${error.errorNumber}). The public base URL must be reachable by Apple over HTTPS.`,
      );
    }
    throw error;
  }
}
