/**
 * The whole simulator state as plain JSON for tests and `GET /_sim/state`. Nothing is hidden (it is a
 * test tool): notification secrets, invitation codes and token contents are all in it.
 */
import type { SimulatorContext } from './context.ts';
import { availableCount, INT32_MAX, locationFacts } from './state.ts';
import { subscriptionCounts } from './subscriptions.ts';
import { usableTokens } from './tokens.ts';
import type { SimulatorSnapshot } from './types.ts';
import { currentVersionId } from './versions.ts';

/** A deep copy of the state in plain JSON. */
export function buildSnapshot(ctx: SimulatorContext): SimulatorSnapshot {
  const state = ctx.state;
  const now = ctx.now().getTime();
  return structuredClone({
    organizations: [...state.organizations.values()],
    locations: [...state.locations.values()].map((l) => ({
      ...locationFacts(l),
      ...(l.mdmInfo && { mdmInfo: l.mdmInfo }),
      ...(l.notificationUrl !== undefined && { notificationUrl: l.notificationUrl }),
      ...(l.notificationAuthToken !== undefined && { notificationAuthToken: l.notificationAuthToken }),
      subscribedNotificationTypes: l.subscribedNotificationTypes,
      tokens: usableTokens(ctx, l.id),
      assets: [...l.assets.values()].map((a) => ({
        adamId: a.adamId,
        pricingParam: a.pricingParam,
        productType: a.productType,
        name: a.name,
        unlimited: a.unlimited,
        totalCount: a.unlimited ? INT32_MAX : a.totalCount,
        assignedCount: a.assignedCount,
        availableCount: availableCount(a),
        retiredCount: a.retiredCount,
        deviceAssignable: a.deviceAssignable,
        revocable: a.revocable,
        supportedPlatforms: a.supportedPlatforms,
        ...(a.bundleId !== undefined && { bundleId: a.bundleId }),
      })),
      assignments: [...l.assignments.values()].map((a) => ({
        adamId: a.adamId,
        pricingParam: a.pricingParam,
        ...(a.serialNumber !== undefined && { serialNumber: a.serialNumber }),
        ...(a.clientUserId !== undefined && { clientUserId: a.clientUserId }),
      })),
      users: [...l.users.values()].map((u) => ({
        clientUserId: u.clientUserId,
        ...(u.email !== undefined && { email: u.email }),
        ...(u.managedAppleId !== undefined && { managedAppleId: u.managedAppleId }),
        status: u.status,
        ...(u.inviteCode !== undefined && { inviteCode: u.inviteCode }),
        ...(u.idHash !== undefined && { idHash: u.idHash }),
      })),
      assetsVersionId: l.assetsVersionId,
      assignmentsVersionId: currentVersionId(l.assignmentsVersions),
      usersVersionId: currentVersionId(l.usersVersions),
      subscriptionManagement: l.subscriptionManagement,
      subscriptions: [...l.subscriptions.values()].map((s) => ({
        adamId: s.adamId,
        parentAdamId: s.parentAdamId,
        name: s.name,
        status: s.status,
        periodEndDate: s.periodEndDate,
        counts: subscriptionCounts(s),
        seats: [...s.seats.values()].map(({ userRef: _, ...seat }) => seat),
        admins: [...s.admins],
      })),
    })),
    tokens: [...state.tokens.values()].map((t) => ({
      content: t.content,
      locationId: t.locationId,
      expiresAt: t.expiresAt,
      expired: t.expired || new Date(t.expiresAt).getTime() <= now,
      revoked: t.revoked,
    })),
    events: [...state.events.values()].map((e) => ({
      eventId: e.eventId,
      locationId: e.locationId,
      eventType: e.eventType,
      eventStatus: e.eventStatus,
      numRequested: e.numRequested,
      numCompleted: e.numCompleted,
      failures: e.failures,
    })),
    notifications: state.deliveries.map((d) => ({
      notificationId: d.notificationId,
      notificationType: d.notificationType,
      locationId: d.locationId,
      url: d.url,
      authToken: d.authToken,
      envelope: d.envelope,
      outcome: d.outcome,
      duplicated: d.duplicated,
      attempts: d.attempts,
    })),
  });
}
