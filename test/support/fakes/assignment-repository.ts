/**
 * Assignment records in a Map, with the conditions of `DynamoAssignmentRepository`: a transition only
 * from the states listed, a claim only while nobody else claimed or sent the record. The indexes are
 * kept as the table keeps them: the event a record is listed under is the one it had when last put
 * (a claim updates the record, not its index keys).
 */
import type {
  AssignmentMove,
  AssignmentPage,
  AssignmentRepository,
} from '../../../shared/application/ports/assignment-repository.ts';
import type { PricingParam } from '../../../shared/domain/asset.ts';
import {
  type AssignmentRecord,
  AssignmentRecordSchema,
  type AssignmentState,
  IN_FLIGHT,
  type SubjectType,
} from '../../../shared/domain/assignment.ts';
import { ValidationError } from '../../../shared/domain/errors.ts';
import { byKey, copy } from './conditions.ts';

interface Key {
  readonly adamId: string;
  readonly pricingParam: string;
  readonly subjectType: SubjectType;
  readonly subjectId: string;
}

interface Stored {
  record: AssignmentRecord;
  /** The event index key as of the last put (sparse: only records in flight with an event). */
  eventIndex: string | undefined;
}

const subjectPart = (type: SubjectType, id: string) => `${type === 'device' ? 'D' : 'U'}#${id}`;
const sortKey = (k: Key) => `A#${k.adamId}#${k.pricingParam}#${subjectPart(k.subjectType, k.subjectId)}`;
const keyOf = (accountId: string, k: Key) => `${accountId}|${sortKey(k)}`;

export class MemoryAssignmentRepository implements AssignmentRepository {
  readonly #records = new Map<string, Stored>();

  /** Test setup: writes records as they are. */
  seed(...records: AssignmentRecord[]): void {
    for (const r of records) this.#put(r);
  }

  #put(record: AssignmentRecord): void {
    const parsed = AssignmentRecordSchema.parse(copy(record));
    this.#records.set(keyOf(parsed.accountId, parsed), {
      record: parsed,
      eventIndex: parsed.eventId && IN_FLIGHT.has(parsed.state) ? parsed.eventId : undefined,
    });
  }

  #all(keep: (r: AssignmentRecord, s: Stored) => boolean): AssignmentRecord[] {
    return [...this.#records.values()]
      .filter((s) => keep(s.record, s))
      .map((s) => s.record)
      .sort(byKey((r) => `${r.accountId}|${sortKey(r)}`))
      .map(copy);
  }

  async listByAccount(accountId: string): Promise<AssignmentRecord[]> {
    return this.#all((r) => r.accountId === accountId);
  }

  async pageByAccount(
    accountId: string,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<AssignmentPage> {
    const after =
      options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString();
    if (after !== undefined && !after.startsWith(`${accountId}|`))
      throw new ValidationError(
        'cursor.invalid',
        'The cursor is not valid for this list: start again without it.',
      );
    const rest = this.#all(
      (r) => r.accountId === accountId && (after === undefined || `${accountId}|${sortKey(r)}` > after),
    );
    const items = rest.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items,
      cursor:
        rest.length > options.limit && last
          ? Buffer.from(`${accountId}|${sortKey(last)}`).toString('base64url')
          : undefined,
    };
  }

  async listByAsset(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
  ): Promise<AssignmentRecord[]> {
    return this.#all(
      (r) => r.accountId === accountId && r.adamId === adamId && r.pricingParam === pricingParam,
    );
  }

  async pageByAsset(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    subjectType: SubjectType,
    options: { cursor?: string | undefined; limit: number },
  ): Promise<AssignmentPage> {
    const prefix = `${accountId}|A#${adamId}#${pricingParam}#${subjectPart(subjectType, '')}`;
    const after =
      options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString();
    if (after !== undefined && !after.startsWith(prefix))
      throw new ValidationError(
        'cursor.invalid',
        'The cursor is not valid for this list: start again without it.',
      );
    // Keys sorted, and only the page copied: a reconciliation reads thousands of pages in tests.
    const rest = [...this.#records.entries()]
      .filter(([k]) => k.startsWith(prefix) && (after === undefined || k > after))
      .sort(byKey(([k]) => k));
    const page = rest.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(([, s]) => copy(s.record)),
      cursor: rest.length > options.limit && last ? Buffer.from(last[0]).toString('base64url') : undefined,
    };
  }

  async listBySubject(
    orgId: string,
    accountId: string | undefined,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord[]> {
    // Devices are organisation-wide; a user belongs to one account (the organisation is not looked at).
    return this.#all(
      (r) =>
        r.subjectType === subjectType &&
        r.subjectId === subjectId &&
        (subjectType === 'device' ? r.orgId === orgId : r.accountId === (accountId ?? '')),
    );
  }

  async listByEvent(eventId: string): Promise<AssignmentRecord[]> {
    return this.#all((_r, s) => s.eventIndex === eventId);
  }

  async listInFlightSince(accountId: string, before: string): Promise<AssignmentRecord[]> {
    return this.#all((r) => r.accountId === accountId && IN_FLIGHT.has(r.state) && r.updatedAt < before);
  }

  async get(
    accountId: string,
    adamId: string,
    pricingParam: PricingParam,
    subjectType: SubjectType,
    subjectId: string,
  ): Promise<AssignmentRecord | undefined> {
    const found = this.#records.get(keyOf(accountId, { adamId, pricingParam, subjectType, subjectId }));
    return found ? copy(found.record) : undefined;
  }

  async getMany(accountId: string, keys: readonly Key[]): Promise<AssignmentRecord[]> {
    const unique = new Set(keys.map((k) => keyOf(accountId, k)));
    return [...unique].flatMap((k) => {
      const found = this.#records.get(k);
      return found ? [copy(found.record)] : [];
    });
  }

  async putMany(records: readonly AssignmentRecord[]): Promise<void> {
    for (const r of records) this.#put(r);
  }

  async transitionMany(moves: readonly AssignmentMove[]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (const { next, from } of moves) results.push(await this.transition(next, from));
    return results;
  }

  async transition(next: AssignmentRecord, from: readonly (AssignmentState | 'absent')[]): Promise<boolean> {
    if (from.length === 0) throw new Error('A transition needs at least one state to move from.');
    const current = this.#records.get(keyOf(next.accountId, next))?.record;
    const allowed = current ? from.includes(current.state) : from.includes('absent');
    if (!allowed) return false;
    this.#put(next);
    return true;
  }

  /** For the fake settlement store: moves a record if it is still in `state` with `eventId`. */
  moveIf(record: AssignmentRecord, next: AssignmentRecord): boolean {
    const stored = this.#records.get(keyOf(record.accountId, record))?.record;
    if (!stored || stored.state !== record.state || stored.eventId !== record.eventId) return false;
    this.#put(next);
    return true;
  }

  /** For the fake purger: every stored record of an account, by sort key. */
  keysOf(accountId: string): { sk: string; remove: () => void }[] {
    return [...this.#records.entries()]
      .filter(([, s]) => s.record.accountId === accountId)
      .map(([k, s]) => ({ sk: sortKey(s.record), remove: () => this.#records.delete(k) }));
  }
}
