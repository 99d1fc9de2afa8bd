/**
 * The audit log in memory, newest first, with `DynamoAuditLog`'s paging: entries the caller may not
 * see are skipped and the page filled from further on; a page stops short, with a cursor, after going
 * through `MAX_READ` entries. A cursor belongs to one organisation's log.
 */
import * as z from 'zod';
import type { AuditEntry, AuditLog, AuditPage } from '../../../shared/application/ports/audit-log.ts';
import type { Clock, IdGenerator } from '../../../shared/application/ports/clock.ts';
import { ValidationError } from '../../../shared/domain/errors.ts';
import { copy } from './conditions.ts';

const MAX_READ = 2_000;

const EntrySchema = z.object({
  id: z.string(),
  orgId: z.string(),
  at: z.string(),
  actor: z.union([
    z.object({
      type: z.literal('user'),
      id: z.string(),
      email: z.string(),
      role: z.enum(['org-admin', 'admin', 'viewer']),
    }),
    z.object({ type: z.enum(['schedule', 'apple', 'system']), id: z.string() }),
  ]),
  action: z.string(),
  target: z.string(),
  result: z.enum(['succeeded', 'failed', 'accepted']),
  details: z.record(z.string(), z.unknown()).optional(),
});

const invalidCursor = () =>
  new ValidationError('cursor.invalid', 'The cursor is not valid for this list: start again without it.');

export class MemoryAuditLog implements AuditLog {
  readonly #entries: (AuditEntry & { sk: string })[] = [];
  readonly #clock: Clock;
  readonly #ids: IdGenerator;

  constructor(clock: Clock, ids: IdGenerator) {
    this.#clock = clock;
    this.#ids = ids;
  }

  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    const stored = EntrySchema.parse(
      copy({ ...entry, id: this.#ids.newId(), at: this.#clock.now().toISOString() }),
    );
    this.#entries.push({ ...stored, sk: `${stored.at}#${stored.id}` });
  }

  /** Every entry of an organisation, oldest first (test assertions). */
  entries(orgId?: string): AuditEntry[] {
    return this.#entries
      .filter((e) => orgId === undefined || e.orgId === orgId)
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
      .map(({ sk: _sk, ...e }) => copy(e));
  }

  /** The entries with `action`, oldest first. */
  actions(action: string): AuditEntry[] {
    return this.entries().filter((e) => e.action === action);
  }

  #decode(orgId: string, cursor: string | undefined): string | undefined {
    if (cursor === undefined) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    const { org, sk } = (typeof key === 'object' && key !== null ? key : {}) as {
      org?: unknown;
      sk?: unknown;
    };
    if (org !== orgId || typeof sk !== 'string') throw invalidCursor();
    return sk;
  }

  async list(
    orgId: string,
    page: AuditPage,
    keep: (entry: AuditEntry) => boolean = () => true,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
    const after = this.#decode(orgId, page.cursor);
    const inRange = (e: AuditEntry) =>
      (page.from === undefined || e.at >= page.from) && (page.to === undefined || e.at <= page.to);
    const newestFirst = this.#entries
      .filter((e) => e.orgId === orgId && (after === undefined || e.sk < after) && inRange(e))
      .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
    const cursorAt = (sk: string) =>
      Buffer.from(JSON.stringify({ org: orgId, sk }), 'utf8').toString('base64url');
    const items: AuditEntry[] = [];
    const budget = Math.max(page.limit, MAX_READ);
    let read = 0;
    for (const entry of newestFirst) {
      if (read >= budget) return { items, nextCursor: cursorAt(newestFirst[read - 1]?.sk ?? entry.sk) };
      read++;
      const { sk, ...plain } = entry;
      if (!keep(copy(plain))) continue;
      items.push(copy(plain));
      if (items.length === page.limit)
        return read < newestFirst.length ? { items, nextCursor: cursorAt(sk) } : { items };
    }
    return { items };
  }
}
