/**
 * The page behind `service/config.urls.invitationEmail` (reference §6.1): the "end user" opens
 * `/invitation?inviteCode=...`, types an Apple Account and presses "Accept invitation"; the form
 * POSTs (form-urlencoded) to the same URL, the user becomes `Associated` and `USER_ASSOCIATED` is
 * sent. Unknown codes answer 404, used or withdrawn ones 410. Not an Apple endpoint: not counted,
 * not rate limited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { SimulatorContext } from './context.ts';
import { readBody, sendHtml } from './http-io.ts';
import { acceptInvitation, findInvitation } from './invitations.ts';
import type { LocationRecord } from './state.ts';

const AppleAccount = z.email();

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: -apple-system, system-ui, sans-serif; background: #f5f5f7; color: #1d1d1f; margin: 0; }
  main { max-width: 28rem; margin: 4rem auto; background: #fff; border-radius: 18px; padding: 2rem; box-shadow: 0 4px 24px #0001; }
  h1 { font-size: 1.5rem; margin-top: 0; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input[type=email] { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #d2d2d7; border-radius: 8px; }
  button { margin-top: 1.25rem; padding: .7rem 1.2rem; font-size: 1rem; border: 0; border-radius: 980px; background: #0071e3; color: #fff; cursor: pointer; }
  .error { color: #b00020; }
  .note { color: #6e6e73; font-size: .85rem; }
</style>
</head>
<body><main>
${content}
<p class="note">Apple simulator — not Apple.</p>
</main></body>
</html>`;
}

function names(ctx: SimulatorContext, location: LocationRecord): { organization: string; location: string } {
  return {
    organization: ctx.state.organizations.get(location.organizationId)?.name ?? '',
    location: location.name,
  };
}

function formPage(
  ctx: SimulatorContext,
  location: LocationRecord,
  inviteCode: string,
  error?: string,
): string {
  const n = names(ctx, location);
  const action = `/invitation?inviteCode=${encodeURIComponent(inviteCode)}`;
  return page(
    `Join ${n.organization} — Apps and Books`,
    `<h1>Join ${escapeHtml(n.organization)}</h1>
<p>${escapeHtml(n.location)} invites you to receive apps and books assigned by your organisation.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
  <input type="hidden" name="inviteCode" value="${escapeHtml(inviteCode)}">
  <label for="appleAccount">Apple Account</label>
  <input type="email" id="appleAccount" name="appleAccount" autocomplete="email" required>
  <button type="submit">Accept invitation</button>
</form>`,
  );
}

/** Serves `GET` (the form) and `POST` (the acceptance) of `/invitation?inviteCode=`. */
export async function handleInvitation(
  ctx: SimulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    sendHtml(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
    return;
  }
  const form =
    method === 'POST' ? new URLSearchParams((await readBody(req)).toString('utf8')) : new URLSearchParams();
  const inviteCode = query.get('inviteCode') || form.get('inviteCode') || '';
  const found = findInvitation(ctx, inviteCode);
  if (found.kind === 'unknown') {
    sendHtml(
      res,
      404,
      page('Invitation not found', '<h1>Invitation not found</h1><p>This invitation link is not valid.</p>'),
    );
    return;
  }
  if (found.kind === 'used') {
    const text =
      found.user.status === 'Retired'
        ? 'This invitation is no longer valid.'
        : 'This invitation has already been accepted.';
    sendHtml(
      res,
      410,
      page('Invitation no longer available', `<h1>Invitation no longer available</h1><p>${text}</p>`),
    );
    return;
  }
  if (method === 'GET') {
    sendHtml(res, 200, formPage(ctx, found.location, inviteCode));
    return;
  }
  const account = (form.get('appleAccount') ?? '').trim();
  if (!AppleAccount.safeParse(account).success) {
    sendHtml(
      res,
      400,
      formPage(ctx, found.location, inviteCode, 'Enter the e-mail address of your Apple Account.'),
    );
    return;
  }
  const outcome = acceptInvitation(ctx, found.location, found.user, account);
  if (!outcome.ok) {
    sendHtml(
      res,
      409,
      formPage(ctx, found.location, inviteCode, 'This Apple Account is already linked to another user.'),
    );
    return;
  }
  ctx.log(`invitation accepted by ${found.user.clientUserId} in ${found.location.id}`);
  const n = names(ctx, found.location);
  sendHtml(
    res,
    200,
    page(
      "You're all set",
      `<h1>You're all set</h1><p>Apps and books from ${escapeHtml(n.organization)} (${escapeHtml(n.location)}) will now be available with your Apple Account ${escapeHtml(account)}.</p>`,
    ),
  );
}
