/** Every change, with who or what made it (SPEC §5.8). Entries never contain a secret. */
import type { Actor } from '../../domain/principal.ts';

export interface AuditEntry {
  readonly id: string;
  readonly orgId: string;
  readonly at: string;
  readonly actor: Actor;
  /** A dotted verb: `account.created`, `license.granted`, `user.invited`, ... */
  readonly action: string;
  /** What it acted on: `account:<id>`, `asset:<accountId>/<adamId>`, `device:<serial>`, ... */
  readonly target: string;
  readonly result: 'succeeded' | 'failed' | 'accepted';
  readonly details?: Record<string, unknown>;
}

export interface AuditPage {
  readonly limit: number;
  readonly cursor?: string;
  /** The earliest time listed (included). */
  readonly from?: string;
  /** The latest time listed (included). */
  readonly to?: string;
}

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void>;
  /**
   * Newest first, between `from` and `to` (ISO times, both included) when given. With `keep`, only
   * the entries it keeps, reading on to fill the page (a page may still come short, with a cursor,
   * after skipping many).
   */
  list(
    orgId: string,
    page: AuditPage,
    keep?: (entry: AuditEntry) => boolean,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string }>;
}
