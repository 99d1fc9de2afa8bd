/**
 * Webhook subscriptions of an organisation (issue 18 point 1): org-admins write, every role reads.
 * - createWebhook: 1. org-admin; at most `MAX_WEBHOOKS_PER_ORG`. 2. The URL passes the URL rules
 *   (webhook-url.ts). 3. The account filter names accounts of this organisation. 4. A new `whsec_`
 *   secret goes to the secret store, then the record to the table (the secret is removed again if the
 *   record cannot be written). 5. Audited without the secret or the URL's path. The answer is the only
 *   one besides rotation's to show the secret.
 * - list/get: the records, never a secret; another organisation's id is not found.
 * - updateWebhook: URL (checked again), event types, account filter (empty removes it), enabled.
 * - rotateWebhookSecret: a new secret; the one it replaces stays valid for 24 hours (both are in the
 *   stored value, with the old one's expiry). The record is moved first, conditionally, so two
 *   rotations at once cannot both hand out a secret: the second is 409.
 * - removeWebhook: the record, then its secret (scheduled for deletion).
 * Errors: auth.forbidden (403); webhook.not_found, account.not_found (404); webhook.changed (409);
 * webhook.url_not_allowed, webhook.limit_reached (422).
 */
import { ConflictError, NotFoundError, RuleViolationError } from '../../domain/errors.ts';
import { actorOf, type Principal, requireRole } from '../../domain/principal.ts';
import { Secret } from '../../domain/secret.ts';
import {
  MAX_WEBHOOKS_PER_ORG,
  rotatedSecrets,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  type WebhookSigningSecrets,
  WebhookSigningSecretsSchema,
  type WebhookSubscription,
  webhookSecretOf,
} from '../../domain/webhook.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock, IdGenerator } from '../ports/clock.ts';
import type { HostResolver } from '../ports/host-resolver.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { ServiceSettings } from '../ports/settings.ts';
import type { WebhookRepository } from '../ports/webhook-repository.ts';
import { checkWebhookUrl } from './webhook-url.ts';
import { toWebhookView, type WebhookView, type WebhookWithSecretView } from './webhook-view.ts';

export interface WebhookDeps {
  readonly webhooks: WebhookRepository;
  readonly accounts: Pick<AccountRepository, 'get'>;
  readonly hosts: HostResolver;
  readonly secrets: SecretStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly settings: Pick<ServiceSettings, 'allowLoopbackWebhooks'>;
}

/** `accountIds` absent or empty: events of every account. */
export interface CreateWebhookInput {
  url: string;
  eventTypes: WebhookEventType[];
  accountIds?: string[];
  enabled: boolean;
}

/** What may change (at least one); an empty `accountIds` removes the filter. */
export interface UpdateWebhookInput {
  url?: string;
  eventTypes?: WebhookEventType[];
  accountIds?: string[];
  enabled?: boolean;
}

export interface WebhookRemoval {
  id: string;
  removed: true;
}

/**
 * Where a subscription's secrets live: below the organisation (base64url, so any organisation id
 * makes a valid secret name) and the subscription id.
 */
export const webhookSecretName = (orgId: string, id: string) =>
  `webhooks/${Buffer.from(orgId, 'utf8').toString('base64url')}/${id}/signing-secret`;

/** 32 random bytes as a `whsec_` secret (the id generator gives them as base64url). */
const newSecret = (deps: Pick<WebhookDeps, 'ids'>) =>
  webhookSecretOf(Buffer.from(deps.ids.randomToken(32), 'base64url'));

const storeSecrets = (deps: Pick<WebhookDeps, 'secrets'>, name: string, value: WebhookSigningSecrets) =>
  deps.secrets.put(name, new Secret(JSON.stringify(value)));

/** Event types once each, in the order of the list of events. */
const inListOrder = (types: readonly WebhookEventType[]) =>
  WEBHOOK_EVENT_TYPES.filter((type) => types.includes(type));

/** The URL as the audit log keeps it: its origin only (a path or query may carry the receiver's key). */
const originOf = (url: string) => new URL(url).origin;

/** The filter's accounts once each, all of this organisation (404 otherwise); none: no filter. */
async function checkAccounts(
  deps: WebhookDeps,
  orgId: string,
  accountIds: readonly string[] | undefined,
): Promise<string[] | undefined> {
  if (!accountIds || accountIds.length === 0) return undefined;
  const unique = [...new Set(accountIds)];
  for (const id of unique) {
    const account = await deps.accounts.get(id);
    if (!account || account.orgId !== orgId) throw new NotFoundError('Account');
  }
  return unique;
}

async function load(deps: WebhookDeps, principal: Principal, id: string): Promise<WebhookSubscription> {
  const found = await deps.webhooks.get(principal.orgId, id);
  if (!found) throw new NotFoundError('Webhook');
  return found;
}

export async function createWebhook(
  deps: WebhookDeps,
  principal: Principal,
  input: CreateWebhookInput,
): Promise<WebhookWithSecretView> {
  requireRole(principal, 'org-admin');
  if ((await deps.webhooks.listByOrg(principal.orgId)).length >= MAX_WEBHOOKS_PER_ORG) {
    throw new RuleViolationError(
      'webhook.limit_reached',
      `An organisation has at most ${MAX_WEBHOOKS_PER_ORG} webhook subscriptions: remove one first.`,
    );
  }
  const url = await checkWebhookUrl(deps, input.url);
  const accountIds = await checkAccounts(deps, principal.orgId, input.accountIds);
  const now = deps.clock.now().toISOString();
  const subscription: WebhookSubscription = {
    id: deps.ids.newId(),
    orgId: principal.orgId,
    url,
    eventTypes: inListOrder(input.eventTypes),
    ...(accountIds ? { accountIds } : {}),
    enabled: input.enabled,
    createdBy: principal.email,
    createdAt: now,
    updatedAt: now,
    secretVersion: 1,
  };
  const secret = newSecret(deps);
  const name = webhookSecretName(subscription.orgId, subscription.id);
  await storeSecrets(deps, name, { current: secret });
  try {
    await deps.webhooks.create(subscription);
  } catch (error) {
    await deps.secrets.remove(name);
    throw error;
  }
  await auditTrail(deps, principal.orgId, actorOf(principal)).webhook(
    subscription.id,
    'webhook.created',
    'succeeded',
    {
      origin: originOf(url),
      eventTypes: subscription.eventTypes,
      ...(accountIds ? { accountIds } : {}),
      enabled: subscription.enabled,
    },
  );
  return { ...toWebhookView(subscription), secret };
}

export async function listWebhooks(deps: WebhookDeps, principal: Principal): Promise<WebhookView[]> {
  return (await deps.webhooks.listByOrg(principal.orgId)).map(toWebhookView);
}

export async function getWebhook(deps: WebhookDeps, principal: Principal, id: string): Promise<WebhookView> {
  return toWebhookView(await load(deps, principal, id));
}

export async function updateWebhook(
  deps: WebhookDeps,
  principal: Principal,
  id: string,
  changes: UpdateWebhookInput,
): Promise<WebhookView> {
  requireRole(principal, 'org-admin');
  const current = await load(deps, principal, id);
  const url = changes.url === undefined ? current.url : await checkWebhookUrl(deps, changes.url);
  // Enabled again by hand: the failing streak and the pause are over.
  const { accountIds: _old, ...kept } = current;
  const { failingSince: _f, pausedAt: _p, ...resumed } = kept;
  const rest = changes.enabled === true ? resumed : kept;
  const accountIds =
    changes.accountIds === undefined
      ? current.accountIds
      : await checkAccounts(deps, principal.orgId, changes.accountIds);
  const next: WebhookSubscription = {
    ...rest,
    url,
    ...(changes.eventTypes ? { eventTypes: inListOrder(changes.eventTypes) } : {}),
    ...(accountIds ? { accountIds } : {}),
    ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  await save(deps, next, current);
  await auditTrail(deps, principal.orgId, actorOf(principal)).webhook(id, 'webhook.updated', 'succeeded', {
    changed: Object.keys(changes),
    ...(changes.url !== undefined ? { origin: originOf(url) } : {}),
    ...(changes.enabled !== undefined ? { enabled: next.enabled } : {}),
  });
  return toWebhookView(next);
}

export async function rotateWebhookSecret(
  deps: WebhookDeps,
  principal: Principal,
  id: string,
): Promise<WebhookWithSecretView> {
  requireRole(principal, 'org-admin');
  const current = await load(deps, principal, id);
  const name = webhookSecretName(current.orgId, current.id);
  const stored = await deps.secrets.get(name);
  if (!stored) {
    throw new ConflictError(
      'webhook.secret_missing',
      'This subscription lost its signing secret: remove it and create it again.',
    );
  }
  const now = deps.clock.now();
  const secret = newSecret(deps);
  const value = rotatedSecrets(WebhookSigningSecretsSchema.parse(JSON.parse(stored.reveal())), secret, now);
  const next: WebhookSubscription = {
    ...current,
    secretVersion: current.secretVersion + 1,
    secretRotatedAt: now.toISOString(),
    previousSecretExpiresAt: value.previous?.expiresAt,
    updatedAt: now.toISOString(),
  };
  await save(deps, next, current);
  await storeSecrets(deps, name, value);
  await auditTrail(deps, principal.orgId, actorOf(principal)).webhook(
    id,
    'webhook.secret_rotated',
    'succeeded',
    { secretVersion: next.secretVersion, previousSecretExpiresAt: next.previousSecretExpiresAt },
  );
  return { ...toWebhookView(next), secret };
}

export async function removeWebhook(
  deps: WebhookDeps,
  principal: Principal,
  id: string,
): Promise<WebhookRemoval> {
  requireRole(principal, 'org-admin');
  const current = await load(deps, principal, id);
  await deps.webhooks.remove(current.orgId, current.id);
  await deps.secrets.remove(webhookSecretName(current.orgId, current.id));
  await auditTrail(deps, principal.orgId, actorOf(principal)).webhook(id, 'webhook.removed', 'succeeded', {
    origin: originOf(current.url),
  });
  return { id, removed: true };
}

async function save(deps: WebhookDeps, next: WebhookSubscription, current: WebhookSubscription) {
  if (!(await deps.webhooks.update(next, current))) {
    throw new ConflictError(
      'webhook.changed',
      'This subscription changed meanwhile: read it again and retry.',
    );
  }
}
