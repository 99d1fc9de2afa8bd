/**
 * Who is calling: the organisation, role and e-mail from the caller's JWT. Authorisation rules of
 * SPEC §4: `org-admin` may do everything in its organisation; `admin` manages the accounts that list
 * its e-mail in `allowedAdmins` and reads those; `viewer` reads.
 */
import * as z from 'zod';
import { ForbiddenError } from './errors.ts';

export const RoleSchema = z.enum(['org-admin', 'admin', 'viewer']);
export type Role = z.infer<typeof RoleSchema>;

export const PrincipalSchema = z.object({
  userId: z.string().min(1),
  email: z
    .string()
    .min(1)
    .transform((e) => e.toLowerCase()),
  orgId: z.string().min(1).max(128),
  role: RoleSchema,
});
export type Principal = z.infer<typeof PrincipalSchema>;

/** Who or what made a change, as the audit log records it. */
export type Actor =
  | { readonly type: 'user'; readonly id: string; readonly email: string; readonly role: Role }
  | { readonly type: 'schedule'; readonly id: string }
  | { readonly type: 'apple'; readonly id: string }
  | { readonly type: 'system'; readonly id: string };

export const actorOf = (principal: Principal): Actor => ({
  type: 'user',
  id: principal.userId,
  email: principal.email,
  role: principal.role,
});

export function requireRole(principal: Principal, ...roles: Role[]): void {
  if (!roles.includes(principal.role)) {
    throw new ForbiddenError(`This needs the role ${roles.join(' or ')}; you are ${principal.role}.`);
  }
}

/** Whether the caller may read an account at all (another organisation's account is a 404, not this). */
export function canReadAccount(principal: Principal, account: { allowedAdmins: readonly string[] }): boolean {
  if (principal.role !== 'admin') return true;
  return account.allowedAdmins.includes(principal.email);
}

/** Whether the caller may change users, licences and deployments of an account. */
export function canManageAccount(
  principal: Principal,
  account: { allowedAdmins: readonly string[] },
): boolean {
  if (principal.role === 'org-admin') return true;
  return principal.role === 'admin' && account.allowedAdmins.includes(principal.email);
}
