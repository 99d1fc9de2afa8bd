/**
 * Fakes of the system ports: a clock the test moves, predictable ids and tokens, a cursor sealer that
 * binds a position to its list (as the AES sealer does, without the crypto), and an in-memory
 * Powertools idempotency store.
 */
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { Clock, IdGenerator } from '../../../shared/application/ports/clock.ts';
import type { CursorSealer } from '../../../shared/application/ports/cursor-sealer.ts';

export const FAKE_EPOCH = '2026-03-02T09:00:00.000Z';

type Span = { ms?: number; seconds?: number; minutes?: number; hours?: number; days?: number };

/** A clock that stands still until the test moves it. */
export class FakeClock implements Clock {
  #now: number;

  constructor(start: string | Date = FAKE_EPOCH) {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  iso(): string {
    return this.now().toISOString();
  }

  set(to: string | Date): void {
    this.#now = new Date(to).getTime();
  }

  advance(span: Span): void {
    this.#now +=
      (span.ms ?? 0) +
      (span.seconds ?? 0) * 1000 +
      (span.minutes ?? 0) * 60_000 +
      (span.hours ?? 0) * 3_600_000 +
      (span.days ?? 0) * 86_400_000;
  }
}

/** Ids that count up (UUID-shaped: `00000000-0000-4000-8000-000000000001`, ...) and distinct tokens. */
export class FakeIds implements IdGenerator {
  #ids = 0;
  #tokens = 0;

  newId(): string {
    this.#ids++;
    return `00000000-0000-4000-8000-${String(this.#ids).padStart(12, '0')}`;
  }

  randomToken(bytes = 32): string {
    this.#tokens++;
    const size = Math.max(16, bytes);
    return Buffer.from(`token-${this.#tokens}-`.padEnd(size, 'x').slice(0, size)).toString('base64url');
  }

  /** How many ids were handed out. */
  get issued(): number {
    return this.#ids;
  }
}

/** Seals a position for one list; a cursor opened for another list (or not made here) opens to nothing. */
export class FakeCursorSealer implements CursorSealer {
  async seal(list: string, position: string): Promise<string> {
    return Buffer.from(JSON.stringify({ sealed: list, position }), 'utf8').toString('base64url');
  }

  async open(list: string, cursor: string): Promise<string | undefined> {
    try {
      const body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (typeof body !== 'object' || body === null) return undefined;
      const { sealed, position } = body as { sealed?: unknown; position?: unknown };
      return sealed === list && typeof position === 'string' ? position : undefined;
    } catch {
      return undefined;
    }
  }
}

interface StoredRecord {
  readonly idempotencyKey: string;
  readonly status: string;
  readonly expiryTimestamp?: number | undefined;
  readonly inProgressExpiryTimestamp?: number | undefined;
  readonly responseData?: IdempotencyRecord['responseData'];
  readonly payloadHash?: string | undefined;
}

/** Powertools idempotency records in a Map, with the conditions of its DynamoDB store. */
export class MemoryIdempotencyStore extends BasePersistenceLayer {
  readonly records = new Map<string, StoredRecord>();

  #record(stored: StoredRecord): IdempotencyRecord {
    return new IdempotencyRecord({
      idempotencyKey: stored.idempotencyKey,
      status: stored.status as never,
      ...(stored.expiryTimestamp !== undefined ? { expiryTimestamp: stored.expiryTimestamp } : {}),
      ...(stored.inProgressExpiryTimestamp !== undefined
        ? { inProgressExpiryTimestamp: stored.inProgressExpiryTimestamp }
        : {}),
      ...(stored.responseData !== undefined ? { responseData: stored.responseData } : {}),
      ...(stored.payloadHash !== undefined ? { payloadHash: stored.payloadHash } : {}),
    });
  }

  #store(record: IdempotencyRecord): void {
    this.records.set(record.idempotencyKey, {
      idempotencyKey: record.idempotencyKey,
      status: record.getStatus(),
      expiryTimestamp: record.expiryTimestamp,
      inProgressExpiryTimestamp: record.inProgressExpiryTimestamp,
      responseData: record.responseData,
      payloadHash: record.payloadHash,
    });
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const stored = this.records.get(idempotencyKey);
    if (!stored) throw new IdempotencyItemNotFoundError();
    return this.#record(stored);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const now = Date.now();
    const free =
      !existing ||
      (existing.expiryTimestamp !== undefined && existing.expiryTimestamp < now / 1000) ||
      (existing.status === 'INPROGRESS' &&
        existing.inProgressExpiryTimestamp !== undefined &&
        existing.inProgressExpiryTimestamp < now);
    if (!free)
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        this.#record(existing),
      );
    this.#store(record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.#store(record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
