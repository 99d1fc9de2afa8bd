/**
 * Webhook subscriptions (manage-webhooks.ts) on fakes: who may write, the secret shown once and kept
 * only in the secret store, rotation keeping the previous secret for a day, the URL rules applied on
 * create and change, the account filter, another organisation's ids, the audit without secrets.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createWebhook,
  getWebhook,
  listWebhooks,
  removeWebhook,
  rotateWebhookSecret,
  updateWebhook,
  webhookSecretName,
} from '../../../../shared/application/webhooks/manage-webhooks.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RuleViolationError,
} from '../../../../shared/domain/errors.ts';
import {
  MAX_WEBHOOKS_PER_ORG,
  validSecrets,
  WebhookSigningSecretsSchema,
} from '../../../../shared/domain/webhook.ts';
import { type FakeDeps, fakeDeps } from '../../../support/fakes/index.ts';
import { foreignAdmin, givenAccount, listedAdmin, ORG, orgAdmin, viewer } from '../../support/world.ts';

let deps: FakeDeps;

const HOOK = 'https://hooks.example.com/vpp';
const input = (over: Partial<Parameters<typeof createWebhook>[2]> = {}) => ({
  url: HOOK,
  eventTypes: ['job.finished', 'license.granted'] as ('job.finished' | 'license.granted')[],
  enabled: true,
  ...over,
});

/** What the secret store holds for a subscription. */
async function storedSecrets(orgId: string, id: string) {
  const stored = await deps.secrets.get(webhookSecretName(orgId, id));
  return stored ? WebhookSigningSecretsSchema.parse(JSON.parse(stored.reveal())) : undefined;
}

beforeEach(() => {
  deps = fakeDeps();
  deps.hosts.set('hooks.example.com', ['93.184.215.14']);
  deps.hosts.set('other.example.com', ['2606:2800:21f:cb07::1']);
  deps.hosts.set('intranet.example.com', ['10.0.0.8']);
});

describe('creating a subscription', () => {
  it('stores the record without its secret and shows the whsec_ secret in the answer only', async () => {
    // Act
    const created = await createWebhook(
      deps,
      orgAdmin,
      input({ eventTypes: ['license.granted', 'job.finished'] }),
    );

    // Assess
    expect(created).toMatchObject({
      url: HOOK,
      eventTypes: ['license.granted', 'job.finished'],
      enabled: true,
      createdBy: orgAdmin.email,
      secretVersion: 1,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await storedSecrets(ORG, created.id)).toEqual({ current: created.secret });
    const record = await deps.webhooks.get(ORG, created.id);
    expect(JSON.stringify(record)).not.toContain(created.secret.slice(6, 26));
    expect(await getWebhook(deps, viewer, created.id)).not.toHaveProperty('secret');
    expect(JSON.stringify(await listWebhooks(deps, viewer))).not.toContain(created.secret.slice(6, 26));
  });

  it('gives every subscription its own secret', async () => {
    const a = await createWebhook(deps, orgAdmin, input());
    const b = await createWebhook(deps, orgAdmin, input());
    expect(a.secret).not.toBe(b.secret);
  });

  it('is for org-admins only', async () => {
    for (const caller of [listedAdmin, viewer])
      await expect(createWebhook(deps, caller, input())).rejects.toBeInstanceOf(ForbiddenError);
    expect(await deps.webhooks.listByOrg(ORG)).toEqual([]);
    expect(deps.secrets.values.size).toBe(0);
  });

  it('refuses a URL the rules refuse with webhook.url_not_allowed and its reason, storing nothing', async () => {
    for (const [url, reason] of [
      ['http://hooks.example.com/', /only https/],
      ['https://intranet.example.com/', /10\.0\.0\.8 is a private address/],
      ['https://169.254.169.254/latest/meta-data/', /link-local/],
      ['https://unknown.example.com/', /does not resolve/],
    ] as const) {
      const refused = await createWebhook(deps, orgAdmin, input({ url })).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RuleViolationError);
      expect(refused).toMatchObject({ code: 'webhook.url_not_allowed' });
      expect(String((refused as RuleViolationError).details?.reason)).toMatch(reason);
    }
    expect(await deps.webhooks.listByOrg(ORG)).toEqual([]);
    expect(deps.secrets.values.size).toBe(0);
  });

  it('filters on accounts of the organisation only', async () => {
    // Prepare
    await givenAccount(deps, { id: 'account-1' });
    await givenAccount(deps, { id: 'account-x', orgId: foreignAdmin.orgId });

    // Act
    const created = await createWebhook(deps, orgAdmin, input({ accountIds: ['account-1', 'account-1'] }));
    const foreign = createWebhook(deps, orgAdmin, input({ accountIds: ['account-1', 'account-x'] }));

    // Assess
    expect(created.accountIds).toEqual(['account-1']);
    await expect(foreign).rejects.toBeInstanceOf(NotFoundError);
    expect(await createWebhook(deps, orgAdmin, input({ accountIds: [] }))).not.toHaveProperty('accountIds');
  });

  it(`stops at ${MAX_WEBHOOKS_PER_ORG} subscriptions per organisation`, async () => {
    for (let i = 0; i < MAX_WEBHOOKS_PER_ORG; i++) await createWebhook(deps, orgAdmin, input());
    await expect(createWebhook(deps, orgAdmin, input())).rejects.toMatchObject({
      code: 'webhook.limit_reached',
    });
    // Another organisation has its own count.
    await expect(createWebhook(deps, foreignAdmin, input())).resolves.toMatchObject({ url: HOOK });
  });

  it('removes the secret again when the record cannot be written', async () => {
    deps.webhooks.create = async () => {
      throw new Error('table unavailable');
    };
    await expect(createWebhook(deps, orgAdmin, input())).rejects.toThrow('table unavailable');
    expect(deps.secrets.values.size).toBe(0);
  });

  it('audits the creation with the URL origin, never the secret or the path', async () => {
    const created = await createWebhook(
      deps,
      orgAdmin,
      input({ url: 'https://hooks.example.com/T0/B0/key-in-path' }),
    );
    const entries = deps.audit.entries(ORG);
    expect(entries).toMatchObject([
      {
        action: 'webhook.created',
        target: `webhook:${created.id}`,
        result: 'succeeded',
        details: { origin: 'https://hooks.example.com', eventTypes: ['license.granted', 'job.finished'] },
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain('key-in-path');
    expect(JSON.stringify(entries)).not.toContain(created.secret.slice(6, 26));
  });
});

describe('reading subscriptions', () => {
  it('lists the organisation’s own, oldest first, for every role, and finds no other organisation’s', async () => {
    const first = await createWebhook(deps, orgAdmin, input());
    deps.clock.advance({ minutes: 1 });
    const second = await createWebhook(deps, orgAdmin, input({ url: 'https://other.example.com/' }));
    const foreign = await createWebhook(deps, foreignAdmin, input());

    expect((await listWebhooks(deps, viewer)).map((w) => w.id)).toEqual([first.id, second.id]);
    expect((await listWebhooks(deps, foreignAdmin)).map((w) => w.id)).toEqual([foreign.id]);
    await expect(getWebhook(deps, orgAdmin, foreign.id)).rejects.toMatchObject({ code: 'webhook.not_found' });
    expect(await getWebhook(deps, listedAdmin, first.id)).not.toHaveProperty('orgId');
  });
});

describe('changing a subscription', () => {
  it('changes what is given, checks a new URL, and removes the account filter when it is empty', async () => {
    // Prepare
    await givenAccount(deps, { id: 'account-1' });
    const created = await createWebhook(deps, orgAdmin, input({ accountIds: ['account-1'] }));
    deps.clock.advance({ minutes: 5 });

    // Act
    const paused = await updateWebhook(deps, orgAdmin, created.id, { enabled: false });
    const moved = await updateWebhook(deps, orgAdmin, created.id, {
      url: 'https://other.example.com/in',
      eventTypes: ['token.expiring'],
      accountIds: [],
    });

    // Assess
    expect(paused).toMatchObject({ enabled: false, accountIds: ['account-1'], url: HOOK });
    expect(moved).toMatchObject({
      enabled: false,
      url: 'https://other.example.com/in',
      eventTypes: ['token.expiring'],
    });
    expect(moved).not.toHaveProperty('accountIds');
    expect(moved.updatedAt).toBe(deps.clock.iso());
    expect(moved.secretVersion).toBe(1);
    expect(deps.audit.entries(ORG).map((e) => e.action)).toEqual([
      'webhook.created',
      'webhook.updated',
      'webhook.updated',
    ]);
  });

  it('refuses a URL the rules refuse, keeping the old one', async () => {
    const created = await createWebhook(deps, orgAdmin, input());
    await expect(
      updateWebhook(deps, orgAdmin, created.id, { url: 'https://[::ffff:127.0.0.1]/' }),
    ).rejects.toMatchObject({ code: 'webhook.url_not_allowed' });
    expect((await getWebhook(deps, orgAdmin, created.id)).url).toBe(HOOK);
  });

  it('is for org-admins, inside their organisation', async () => {
    const created = await createWebhook(deps, orgAdmin, input());
    await expect(updateWebhook(deps, viewer, created.id, { enabled: false })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(updateWebhook(deps, foreignAdmin, created.id, { enabled: false })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('is 409 when the subscription changed since it was read', async () => {
    const created = await createWebhook(deps, orgAdmin, input());
    deps.webhooks.update = async () => false;
    await expect(updateWebhook(deps, orgAdmin, created.id, { enabled: false })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});

describe('rotating the secret', () => {
  it('shows a new secret once and keeps the previous one valid for 24 hours', async () => {
    // Prepare
    const created = await createWebhook(deps, orgAdmin, input());
    deps.clock.advance({ hours: 1 });

    // Act
    const rotated = await rotateWebhookSecret(deps, orgAdmin, created.id);

    // Assess
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const expiresAt = new Date(deps.clock.now().getTime() + 24 * 3_600_000).toISOString();
    expect(rotated).toMatchObject({
      secretVersion: 2,
      secretRotatedAt: deps.clock.iso(),
      previousSecretExpiresAt: expiresAt,
    });
    const stored = await storedSecrets(ORG, created.id);
    expect(stored).toEqual({ current: rotated.secret, previous: { secret: created.secret, expiresAt } });
    if (!stored) throw new Error('no secret stored');
    deps.clock.advance({ hours: 23 });
    expect(validSecrets(stored, deps.clock.now())).toEqual([rotated.secret, created.secret]);
    deps.clock.advance({ hours: 1 });
    expect(validSecrets(stored, deps.clock.now())).toEqual([rotated.secret]);
    expect(await getWebhook(deps, viewer, created.id)).not.toHaveProperty('secret');
    const entry = deps.audit.entries(ORG).at(-1);
    expect(entry).toMatchObject({ action: 'webhook.secret_rotated', details: { secretVersion: 2 } });
    expect(JSON.stringify(entry)).not.toContain(rotated.secret.slice(6, 26));
  });

  it('is for org-admins, inside their organisation', async () => {
    const created = await createWebhook(deps, orgAdmin, input());
    await expect(rotateWebhookSecret(deps, listedAdmin, created.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rotateWebhookSecret(deps, foreignAdmin, created.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await storedSecrets(ORG, created.id)).toEqual({ current: created.secret });
  });

  it('hands out no secret when another change came first (409), leaving the stored one', async () => {
    const created = await createWebhook(deps, orgAdmin, input());
    deps.webhooks.update = async () => false;
    await expect(rotateWebhookSecret(deps, orgAdmin, created.id)).rejects.toMatchObject({
      code: 'webhook.changed',
    });
    expect(await storedSecrets(ORG, created.id)).toEqual({ current: created.secret });
  });
});

describe('removing a subscription', () => {
  it('removes the record and its secret, for org-admins inside their organisation', async () => {
    const created = await createWebhook(deps, orgAdmin, input());
    await expect(removeWebhook(deps, viewer, created.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(removeWebhook(deps, foreignAdmin, created.id)).rejects.toBeInstanceOf(NotFoundError);

    expect(await removeWebhook(deps, orgAdmin, created.id)).toEqual({ id: created.id, removed: true });

    expect(await deps.webhooks.get(ORG, created.id)).toBeUndefined();
    expect(deps.secrets.removed).toEqual([webhookSecretName(ORG, created.id)]);
    expect(deps.audit.entries(ORG).at(-1)).toMatchObject({ action: 'webhook.removed' });
    await expect(getWebhook(deps, orgAdmin, created.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('secret names', () => {
  it('are valid secret names for any organisation id, distinct per organisation', () => {
    const names = ['org-1', 'Org 1/with spaces & ünïcode', 'org-1 '].map((org) =>
      webhookSecretName(org, 'w-1'),
    );
    for (const name of names) expect(name).toMatch(/^webhooks\/[A-Za-z0-9_-]+\/w-1\/signing-secret$/);
    expect(new Set(names).size).toBe(3);
  });
});
