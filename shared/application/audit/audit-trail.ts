/**
 * The audit log as one actor in one organisation writes to it. Each entry names what it acted on the
 * one way the log's readers expect (`accountOfTarget` reads the account back out of it).
 */
import type { Actor } from '../../domain/principal.ts';
import type { AuditEntry, AuditLog } from '../ports/audit-log.ts';

type Result = AuditEntry['result'];
type Details = AuditEntry['details'];

export interface AuditTrail {
  /** On `account:<accountId>`. */
  account(accountId: string, action: string, result: Result, details?: Details): Promise<void>;
  /** On `asset:<accountId>/<adamId>`. */
  asset(accountId: string, adamId: string, action: string, result: Result, details?: Details): Promise<void>;
  /** On `user:<accountId>/<userId>`. */
  user(accountId: string, userId: string, action: string, result: Result, details?: Details): Promise<void>;
  /** On `device:<serialNumber>`. */
  device(serialNumber: string, action: string, result: Result, details?: Details): Promise<void>;
  /** On `devices:<orgId>`: the organisation's inventory as a whole. */
  inventory(action: string, result: Result, details?: Details): Promise<void>;
  /** On `webhook:<subscriptionId>`. */
  webhook(subscriptionId: string, action: string, result: Result, details?: Details): Promise<void>;
}

export function auditTrail(deps: { audit: AuditLog }, orgId: string, actor: Actor): AuditTrail {
  const record = (target: string, action: string, result: Result, details: Details) =>
    deps.audit.record({ orgId, actor, action, target, result, ...(details ? { details } : {}) });
  return {
    account: (accountId, ...entry) => record(`account:${accountId}`, ...entry),
    asset: (accountId, adamId, ...entry) => record(`asset:${accountId}/${adamId}`, ...entry),
    user: (accountId, userId, ...entry) => record(`user:${accountId}/${userId}`, ...entry),
    device: (serialNumber, ...entry) => record(`device:${serialNumber}`, ...entry),
    inventory: (...entry) => record(`devices:${orgId}`, ...entry),
    webhook: (subscriptionId, ...entry) => record(`webhook:${subscriptionId}`, ...entry),
  };
}
