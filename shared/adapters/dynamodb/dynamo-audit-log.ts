/**
 * `AuditLog` on the core table: `ORG#<org>#AUDIT`/`<time>#<id>`, read newest first. Entries are
 * validated on the way in and out; `details` must never carry a secret (the use cases put ids and
 * counts there, and `Secret` values serialise as `[redacted]` anyway).
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AuditEntry, AuditLog, AuditPage } from '../../application/ports/audit-log.ts';
import type { Clock, IdGenerator } from '../../application/ports/clock.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { auditPartition, keys } from './keys.ts';
import { ClockedDynamoTable } from './table.ts';

/** How many entries one filtered read may go through before it answers a short page (with a cursor). */
const MAX_READ = 2_000;

const ActorSchema = z.union([
  z.object({
    type: z.literal('user'),
    id: z.string(),
    email: z.string(),
    role: z.enum(['org-admin', 'admin', 'viewer']),
  }),
  z.object({ type: z.enum(['schedule', 'apple', 'system']), id: z.string() }),
]);

const AuditItemSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  at: z.string(),
  actor: ActorSchema,
  action: z.string(),
  target: z.string(),
  result: z.enum(['succeeded', 'failed', 'accepted']),
  details: z.record(z.string(), z.unknown()).optional(),
});

export class DynamoAuditLog extends ClockedDynamoTable implements AuditLog {
  readonly #ids: IdGenerator;

  constructor(db: DynamoDBDocumentClient, table: string, clock: Clock, ids: IdGenerator) {
    super(db, table, clock);
    this.#ids = ids;
  }

  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    const item = AuditItemSchema.parse({
      ...entry,
      id: this.#ids.newId(),
      at: this.clock.now().toISOString(),
    });
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.auditEntry(entry.orgId, item.at, item.id), ...item },
      }),
    );
  }

  async list(
    orgId: string,
    page: AuditPage,
    keep: (entry: AuditEntry) => boolean = () => true,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
    const pk = auditPartition(orgId);
    // The sort key is `<time>#<id>`: a time range is a range of keys (the latest time's ids included).
    if (page.from !== undefined && page.to !== undefined && page.from > page.to) return { items: [] };
    const bounds = [
      ...(page.from !== undefined ? [['sk >= :from', ':from', page.from]] : []),
      ...(page.to !== undefined ? [['sk <= :to', ':to', `${page.to}#\uffff`]] : []),
    ];
    const condition =
      bounds.length === 2
        ? 'pk = :pk AND sk BETWEEN :from AND :to'
        : ['pk = :pk', ...bounds.map(([c]) => c)].join(' AND ');
    const values = { ':pk': pk, ...Object.fromEntries(bounds.map(([, name, value]) => [name, value])) };
    let start = decodeCursor(page.cursor, { pk });
    const items: AuditEntry[] = [];
    // Entries the caller may not see are skipped, reading on until the page is full; a page stops
    // early (with a cursor) only after going through `MAX_READ` entries, so an answer stays quick.
    let budget = Math.max(page.limit, MAX_READ);
    for (;;) {
      const answer = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: Math.min(budget, Math.max(page.limit - items.length, 100)),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const read = answer.Items ?? [];
      budget -= read.length;
      for (const item of read) {
        const entry = AuditItemSchema.parse(item);
        if (!keep(entry)) continue;
        items.push(entry);
        if (items.length === page.limit) {
          // Full: the next page starts after this entry (unless it was the log's last).
          const last = item === read.at(-1) && !answer.LastEvaluatedKey;
          const nextCursor = last ? undefined : encodeCursor({ pk, sk: item.sk });
          return { items, ...(nextCursor ? { nextCursor } : {}) };
        }
      }
      start = answer.LastEvaluatedKey;
      if (!start || budget <= 0) {
        const nextCursor = encodeCursor(start);
        return { items, ...(nextCursor ? { nextCursor } : {}) };
      }
    }
  }
}
