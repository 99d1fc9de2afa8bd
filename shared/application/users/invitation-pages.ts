/**
 * The pages behind the invitation link (SPEC §5.5). Opening the link (GET) only shows a page naming the
 * account with one button, so a mail scanner that follows links uses nothing. The button (POST) sends
 * the person to Apple's invitation (`service/config` `invitationEmail` with the user's invitation
 * code). The link works again and again until it is accepted: a person who drops out at Apple's
 * sign-in starts again from the same e-mail; once Apple reports the user `Associated` the link is
 * used up (`applyAppleUsers` marks it; a page that finds the user Associated says so too). A used,
 * voided or expired link, or one whose user is no longer invited (retired meanwhile), gets a page
 * saying so (410), an unknown one a 404 page. No page says anything about the user.
 */
import { escapeHtml } from '../../domain/html.ts';
import { hashInvitationToken, type InvitationLink, linkStatus } from '../../domain/invitation.ts';
import { rememberSecret } from '../../domain/secret-registry.ts';
import type { VppUser } from '../../domain/vpp-user.ts';
import { auditTrail } from '../audit/audit-trail.ts';
import type { AccountRepository } from '../ports/account-repository.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { Clock } from '../ports/clock.ts';
import type { InvitationRepository } from '../ports/invitation-repository.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { VppClient } from '../ports/vpp-client.ts';

export interface InvitationPageDeps {
  readonly invitations: InvitationRepository;
  readonly accounts: AccountRepository;
  readonly users: UserRepository;
  readonly vpp: VppClient;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** `formTarget`: the origin the page's form may lead to (the button's redirect goes to Apple). */
export type PageAnswer =
  | { status: 200 | 404 | 410; html: string; formTarget?: string }
  | { status: 303; location: string };

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.7rem 1.4rem;border:0;border-radius:8px;background:#0a66c2;color:#fff;cursor:pointer}p.small{color:#666;font-size:.9rem}</style>
</head><body>${body}</body></html>`;
}

const GONE: Record<string, string> = {
  used: 'This invitation has already been accepted: there is nothing left to do.',
  voided:
    'This invitation link has been replaced by a newer invitation. Use the link in the most recent e-mail.',
  expired: 'This invitation link has expired. Ask your administrator for a new invitation.',
};

const notFound = (): PageAnswer => ({
  status: 404,
  html: page(
    'Invitation not found',
    '<h1>Invitation not found</h1><p>This invitation link is not valid. Check that you copied the whole address.</p>',
  ),
});
const gone = (why: string): PageAnswer => ({
  status: 410,
  html: page(
    'Invitation no longer valid',
    `<h1>Invitation no longer valid</h1><p>${escapeHtml(GONE[why] ?? GONE.expired ?? '')}</p>`,
  ),
});

/** The link and its user while the link may still be accepted; otherwise the page that says why not. */
async function usableLink(
  deps: InvitationPageDeps,
  token: string,
): Promise<{ link: InvitationLink; user: VppUser & { inviteCode: string } } | PageAnswer> {
  const link = await deps.invitations.get(hashInvitationToken(token));
  // A token that names a link is a live secret: this process must mask it too (a guess is not).
  if (link) rememberSecret(token);
  const status = linkStatus(link, deps.clock.now());
  if (!link || status === 'unknown') return notFound();
  if (status !== 'usable') return gone(status);
  const user = await deps.users.get(link.accountId, link.userId);
  // Accepted (Apple says Associated, perhaps before the notification marked the link): used up.
  if (user?.status === 'Associated') return gone('used');
  // Retired, or removed with the account, meanwhile: nothing left to accept.
  if (!user?.inviteCode || user.status !== 'Invited') return gone('expired');
  return { link, user: { ...user, inviteCode: user.inviteCode } };
}

export async function openInvitation(deps: InvitationPageDeps, token: string): Promise<PageAnswer> {
  const found = await usableLink(deps, token);
  if ('status' in found) return found;
  const account = await deps.accounts.get(found.link.accountId);
  if (!account) return notFound();
  const name = escapeHtml(account.name);
  const template = (await deps.vpp.serviceConfig()).urls.invitationEmail;
  const formTarget = template ? new URL(template).origin : undefined;
  return {
    status: 200,
    ...(formTarget ? { formTarget } : {}),
    html: page(
      `Invitation from ${account.name}`,
      `<h1>${name} invites you</h1><p>${name} would like to give you apps and books it has bought through Apple. Accepting links your Apple Account to ${name}; you will not be charged, and ${name} will not see your Apple Account's content.</p>
<form method="post"><button type="submit">Accept invitation</button></form>
<p class="small">The button takes you to Apple to sign in with your Apple Account. If you stop before the end, come back to this link: it works until you have accepted.</p>`,
    ),
  };
}

/** The button: to Apple's invitation, as often as needed until the user is Associated. */
export async function acceptInvitation(deps: InvitationPageDeps, token: string): Promise<PageAnswer> {
  const found = await usableLink(deps, token);
  if ('status' in found) return found;
  const template = (await deps.vpp.serviceConfig()).urls.invitationEmail;
  if (!template) return gone('expired');
  const code = encodeURIComponent(found.user.inviteCode);
  const location = template.replaceAll('%25inviteCode%25', code).replaceAll('%inviteCode%', code);
  const trail = auditTrail(deps, found.link.orgId, { type: 'system', id: 'invitation-page' });
  await trail.user(found.link.accountId, found.link.userId, 'user.invitation_opened', 'succeeded');
  return { status: 303, location };
}
