/**
 * The e-mails sent to an account's contact about its token: expiry warnings and the immediate alerts
 * of SPEC §5.2. Plain text and HTML; they name the account and say what to do, never a secret.
 */
import type { Account, AccountStatus } from '../../domain/account.ts';
import { escapeHtml } from '../../domain/html.ts';
import type { EmailMessage } from '../ports/mailer.ts';

function message(account: Account, subject: string, lines: string[]): EmailMessage {
  const text = `${lines.join('\n\n')}\n\n— VPP Manager`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join('')}<p style="color:#666">— VPP Manager</p></body></html>`;
  return { to: account.email, subject: `[VPP Manager] ${account.name}: ${subject}`, text, html };
}

/** The call that uploads a token, with this account's id in it (never a template to fill in). */
const tokenCall = (account: Account) => `PUT /v1/accounts/${encodeURIComponent(account.id)}/token`;

const renewHint = (account: Account) =>
  `Download a new content token in Apple School Manager or Apple Business (Settings > Payments and Billing > Apps and Books) and upload it to VPP Manager (${tokenCall(account)}).`;

/** `days`: the whole days left before the token expires (rounded up), as the contact should read them. */
export function expiryWarning(account: Account, days: number): EmailMessage {
  const when = days === 1 ? 'within a day' : `in ${days} days`;
  return message(account, `content token expires ${when}`, [
    `The content token of "${account.name}" (${account.location.name}, ${account.location.organizationName}) expires ${when}, on ${account.tokenExpiresAt.slice(0, 10)}.`,
    'When it expires, VPP Manager can no longer grant, revoke or sync licences for this location.',
    renewHint(account),
  ]);
}

export function statusAlert(account: Account, status: AccountStatus): EmailMessage | undefined {
  const where = `"${account.name}" (${account.location.name}, ${account.location.organizationName})`;
  switch (status) {
    case 'expired':
      return message(account, 'content token expired', [
        `The content token of ${where} has expired. VPP Manager has stopped working with this location.`,
        renewHint(account),
      ]);
    case 'revoked':
      return message(account, 'content token revoked', [
        `Apple has revoked the content token of ${where}. This happens when a new token is downloaded or the password of the account that downloaded it changes. VPP Manager makes no more changes at Apple for this location.`,
        renewHint(account),
      ]);
    case 'claimed-elsewhere':
      return message(account, 'location taken over by another MDM', [
        `Another device management service${account.claimedBy ? ` ("${account.claimedBy}")` : ''} has taken over ${where} at Apple. Two services managing one location assign licences unpredictably, so VPP Manager has stopped making changes there.`,
        `If that was intended, remove the account from VPP Manager. If not, re-claim the location by uploading its token again with "takeOver": true in the body (${tokenCall(account)}).`,
      ]);
    case 'invalid':
      return message(account, 'content token not accepted', [
        `Apple no longer accepts the content token of ${where}.`,
        renewHint(account),
      ]);
    default:
      return undefined;
  }
}
