/**
 * The audit trail (audit-trail.ts): each entry names its target the one way `accountOfTarget` reads it
 * back, under the trail's organisation and actor; an entry without details has none.
 */
import { describe, expect, it } from 'vitest';
import { auditTrail } from '../../../../shared/application/audit/audit-trail.ts';
import { accountOfTarget } from '../../../../shared/application/audit/list-audit.ts';
import type { AuditEntry, AuditLog } from '../../../../shared/application/ports/audit-log.ts';

function recording() {
  const entries: Omit<AuditEntry, 'id' | 'at'>[] = [];
  const audit: AuditLog = {
    record: async (entry) => void entries.push(entry),
    list: async () => ({ items: [] }),
  };
  return { audit, entries };
}

describe('auditTrail', () => {
  it('names each kind of target as the log’s readers expect', async () => {
    // Prepare
    const { audit, entries } = recording();
    const trail = auditTrail({ audit }, 'org-1', { type: 'schedule', id: 'nightly' });

    // Act
    await trail.account('a1', 'account.synced', 'succeeded', { full: true });
    await trail.asset('a1', '42', 'deployment.removed', 'succeeded');
    await trail.user('a1', 'u1', 'user.updated', 'failed');
    await trail.device('SERIAL1', 'device.removed', 'accepted');
    await trail.inventory('device.upserted', 'succeeded');

    // Assess
    expect(entries.map((e) => e.target)).toEqual([
      'account:a1',
      'asset:a1/42',
      'user:a1/u1',
      'device:SERIAL1',
      'devices:org-1',
    ]);
    expect(entries.map((e) => accountOfTarget(e.target))).toEqual(['a1', 'a1', 'a1', undefined, undefined]);
    expect(entries[0]).toEqual({
      orgId: 'org-1',
      actor: { type: 'schedule', id: 'nightly' },
      action: 'account.synced',
      target: 'account:a1',
      result: 'succeeded',
      details: { full: true },
    });
    expect(entries[1]).not.toHaveProperty('details');
  });
});
