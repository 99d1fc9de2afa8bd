/**
 * One logical change of a location (an event, a purchase, an invitation accepted...). However many
 * records it touches, it produces at most one new users version and one new assignments version, as a
 * batch at Apple would; the asset list gets a new `versionId` when any count moved.
 */
import { randomUUID } from 'node:crypto';
import type { LocationRecord } from './state.ts';
import { bumpVersion } from './versions.ts';

/** Collects the version bumps of one logical change of a location. */
export class LocationChange {
  readonly location: LocationRecord;
  #usersStamp: number | undefined;
  #assignmentsStamp: number | undefined;
  #assetsChanged = false;

  constructor(location: LocationRecord) {
    this.location = location;
  }

  /** The stamp for user records changed by this change (creates the version on first use). */
  usersStamp(): number {
    this.#usersStamp ??= bumpVersion(this.location.usersVersions);
    return this.#usersStamp;
  }

  /** The stamp for assignment records changed (or removed) by this change. */
  assignmentsStamp(): number {
    this.#assignmentsStamp ??= bumpVersion(this.location.assignmentsVersions);
    return this.#assignmentsStamp;
  }

  assetsChanged(): void {
    if (this.#assetsChanged) return;
    this.#assetsChanged = true;
    this.location.assetsVersionId = randomUUID();
  }
}
