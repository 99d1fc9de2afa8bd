/**
 * Version logs of a location's users and assignments (reference §7). Every change appends a new
 * `versionId`; changed records are stamped with the index of that version, so `sinceVersionId=v`
 * is answered with the records whose stamp is greater than v's index. Old ids stay known forever
 * (Apple documents no expiry), including across restarts.
 */
import { randomUUID } from 'node:crypto';

/** The versions of one data set of one location, oldest first. */
export interface VersionLog {
  /** `ids[i]` is version i; the last one is current. */
  readonly ids: string[];
  readonly index: Map<string, number>;
}

/** A log with the given ids (a fresh one with one new version by default). */
export function newVersionLog(ids: readonly string[] = [randomUUID()]): VersionLog {
  const log: VersionLog = { ids: [...ids], index: new Map() };
  for (const [i, id] of log.ids.entries()) log.index.set(id, i);
  return log;
}

/** The `versionId` a read answers now. */
export function currentVersionId(log: VersionLog): string {
  return log.ids[log.ids.length - 1] ?? '';
}

/** Appends a new version and returns its index, the stamp for the records it changes. */
export function bumpVersion(log: VersionLog): number {
  const id = randomUUID();
  log.ids.push(id);
  log.index.set(id, log.ids.length - 1);
  return log.ids.length - 1;
}

/** The index of a version id, or undefined when the id was never issued for this data set (9721). */
export function versionIndex(log: VersionLog, versionId: string): number | undefined {
  return log.index.get(versionId);
}
