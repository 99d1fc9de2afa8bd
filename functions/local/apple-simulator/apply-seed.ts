/**
 * Adds organisations, locations, assets, users and assignments to the simulator, as if they had
 * always been at Apple (no notifications). Seeding an existing location adds to it; anything that
 * would contradict existing data (an asset or active user already there, too few licences) is refused
 * with a `SimulatorUsageError`. A new location gets one token (expiring at `tokenExpiresAt`, default
 * in a year).
 */

import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { parseAppleDate } from '#domain/apple-date.ts';
import { LocationChange } from './change-set.ts';
import type { SimulatorContext } from './context.ts';
import { idHashFor, newUId } from './identifiers.ts';
import { activeTarget, assignFreeLicence, type LedgerTarget } from './ledger.ts';
import {
  activeUser,
  assetKey,
  type LocationRecord,
  type OrganizationRecord,
  SimulatorUsageError,
} from './state.ts';
import { addSubscription, newSubscriptionVersions, runSubscriptionAssociate } from './subscriptions.ts';
import { issueToken, usableTokens } from './tokens.ts';
import { type SeedInput, SeedInputSchema, type SeedResult } from './types.ts';
import { addUser, isOrganizationAccount } from './user-registry.ts';
import { newVersionLog } from './versions.ts';

type ParsedLocation = z.infer<typeof SeedInputSchema>['organizations'][number]['locations'][number];

/** Validates and applies a seed; returns the locations with their usable tokens. */
export function applySeed(ctx: SimulatorContext, input: SeedInput): SeedResult {
  const parsed = SeedInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SimulatorUsageError(`invalid seed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
  }
  const result: SeedResult['locations'][number][] = [];
  for (const org of parsed.data.organizations) {
    const organization: OrganizationRecord = ctx.state.organizations.get(org.id) ?? {
      id: org.id,
      name: org.name,
    };
    organization.name = org.name;
    if (org.managedAppleIdDomain !== undefined) organization.managedAppleIdDomain = org.managedAppleIdDomain;
    ctx.state.organizations.set(org.id, organization);

    for (const seed of org.locations) {
      const existing = ctx.state.locations.get(seed.id);
      if (existing && existing.organizationId !== org.id) {
        throw new SimulatorUsageError(
          `location ${seed.id} belongs to organisation ${existing.organizationId}`,
        );
      }
      const location = existing ?? createLocation(seed, org.id);
      ctx.state.locations.set(location.id, location);
      fill(ctx, location, organization, seed);
      if (!existing || usableTokens(ctx, location.id).length === 0) {
        const expiresAt = seed.tokenExpiresAt === undefined ? undefined : toDate(seed.tokenExpiresAt);
        issueToken(ctx, location.id, expiresAt);
      }
      result.push({
        id: location.id,
        uId: location.uId,
        organizationId: org.id,
        tokens: usableTokens(ctx, location.id),
      });
    }
  }
  ctx.changed();
  return { locations: result };
}

function toDate(value: string | Date): Date {
  const date = value instanceof Date ? value : parseAppleDate(value);
  if (!date) throw new SimulatorUsageError(`tokenExpiresAt is not a date: ${String(value)}`);
  return date;
}

function createLocation(seed: ParsedLocation, organizationId: string): LocationRecord {
  return {
    id: seed.id,
    organizationId,
    name: seed.name,
    uId: seed.uId ?? newUId(),
    countryISO2ACode: (seed.countryISO2ACode ?? 'US').toUpperCase(),
    defaultPlatform: seed.defaultPlatform ?? 'volumestore',
    websiteURL: seed.websiteURL ?? 'https://school.apple.com',
    subscribedNotificationTypes: [],
    assets: new Map(),
    users: new Map(),
    activeUsers: new Map(),
    assignments: new Map(),
    assetsVersionId: randomUUID(),
    usersVersions: newVersionLog(),
    assignmentsVersions: newVersionLog(),
    nextUserRef: 1,
    subscriptionManagement: seed.subscriptionManagement ?? 'unstated',
    subscriptions: new Map(),
    subscriptionVersions: newSubscriptionVersions(),
  };
}

function fill(
  ctx: SimulatorContext,
  location: LocationRecord,
  organization: OrganizationRecord,
  seed: ParsedLocation,
): void {
  const change = new LocationChange(location);
  for (const asset of seed.assets) {
    const key = assetKey(asset);
    if (location.assets.has(key))
      throw new SimulatorUsageError(`asset ${key} already exists in ${location.id}`);
    const book = asset.productType === 'Book';
    location.assets.set(key, {
      adamId: asset.adamId,
      pricingParam: asset.pricingParam,
      productType: asset.productType,
      name: asset.name,
      ...(asset.bundleId !== undefined && { bundleId: asset.bundleId }),
      unlimited: asset.unlimited === true,
      totalCount: asset.totalCount ?? 0,
      assignedCount: 0,
      retiredCount: asset.retiredCount ?? 0,
      // Books are user-only and cannot be taken back (reference §10).
      deviceAssignable: !book && asset.deviceAssignable,
      revocable: !book && (asset.revocable ?? true),
      supportedPlatforms: asset.supportedPlatforms ?? (book ? ['iOS', 'macOS'] : ['iOS']),
    });
    change.assetsChanged();
  }

  for (const user of seed.users ?? []) {
    const inDomain =
      user.managedAppleId !== undefined && isOrganizationAccount(organization, user.managedAppleId);
    const status = user.status ?? (inDomain ? 'Associated' : 'Registered');
    if (status !== 'Retired' && activeUser(location, user.clientUserId)) {
      throw new SimulatorUsageError(`user ${user.clientUserId} is already active in ${location.id}`);
    }
    const account = user.managedAppleId ?? user.email ?? `${user.clientUserId}@appleaccount.example`;
    const idHash =
      status === 'Associated' ? (user.idHash ?? idHashFor(organization.id, account)) : user.idHash;
    addUser(change, { ...user, status, idHash });
  }

  for (const a of seed.assignments ?? []) {
    const asset = location.assets.get(assetKey(a));
    if (!asset) throw new SimulatorUsageError(`assignment of unknown asset ${assetKey(a)} in ${location.id}`);
    const target = activeTarget(location, a) ?? latestEntry(location, a.clientUserId ?? '');
    if (!target)
      throw new SimulatorUsageError(`assignment to unknown user ${a.clientUserId} in ${location.id}`);
    if (assignFreeLicence(change, asset, target) === 'none-free')
      throw new SimulatorUsageError(`no licence left for ${assetKey(a)} in ${location.id}`);
  }
  fillSubscriptions(ctx, location, seed);
}

/**
 * Seeds subscriptions with their licences, seats (taken as an associate would take them, U8) and
 * admins; a seat asked for without a free licence is refused.
 */
function fillSubscriptions(ctx: SimulatorContext, location: LocationRecord, seed: ParsedLocation): void {
  for (const s of seed.subscriptions ?? []) {
    const subscription = addSubscription(ctx, location, s.adamId, s);
    subscription.licences.renewing = s.seats.renewing;
    subscription.licences.expiring = s.seats.expiring;
    for (const a of s.assignments) {
      const result = runSubscriptionAssociate(location, s.adamId, a.clientUserId, a.renewing);
      if (result.error !== undefined)
        throw new SimulatorUsageError(
          `cannot seat ${a.clientUserId} on subscription ${s.adamId} in ${location.id} (Apple error ${result.error})`,
        );
    }
    for (const admin of s.admins) {
      if (!activeUser(location, admin))
        throw new SimulatorUsageError(`subscription admin ${admin} is not an active user in ${location.id}`);
      subscription.admins.add(admin);
    }
    // Seeded last: a paused or ended subscription still has the seats it was seeded with.
    subscription.status = s.status;
  }
}

/** A retired user can still hold books: seed data may assign to its latest entry. */
function latestEntry(location: LocationRecord, clientUserId: string): LedgerTarget | undefined {
  const user = [...location.users.values()].reverse().find((u) => u.clientUserId === clientUserId);
  return user ? { user } : undefined;
}
