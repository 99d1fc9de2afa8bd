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

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void>;
  /**
   * Newest first. With `keep`, only the entries it keeps, reading on to fill the page (a page may
   * still come short, with a cursor, after skipping many).
   */
  list(
    orgId: string,
    page: { limit: number; cursor?: string },
    keep?: (entry: AuditEntry) => boolean,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string }>;
}
