/**
 * The local outbox as a page: every mail the SES stand-in received, newest first. No frame: the
 * pages a mail links to (an invitation) refuse to be framed, so each link of the mail is listed and
 * opens in a new tab; the text part is shown as it was sent.
 */
import { escapeHtml } from '../../shared/domain/html.ts';
import type { OutboxMail } from './engines/ses-local.ts';

export function renderOutbox(mails: readonly OutboxMail[]): string {
  const items = mails
    .map(
      (mail) => `<article>
  <h2>${escapeHtml(mail.subject)}</h2>
  <p class="meta">To ${escapeHtml(mail.destination.to.join(', '))} · from ${escapeHtml(mail.from)} · ${new Date(mail.at * 1000).toISOString()}</p>
  ${linksList(mail)}
  <pre>${escapeHtml(mail.body.text ?? '')}</pre>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local outbox</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}
.meta{color:#555}pre{white-space:pre-wrap;background:#f6f6f6;padding:.75rem}</style></head>
<body><h1>Local outbox</h1><p>${mails.length} mail${mails.length === 1 ? '' : 's'} sent through the SES stand-in. JSON: <code>/_local/outbox</code>.</p>
${items || '<p>No mail yet.</p>'}
</body></html>`;
}

/** The http(s) links of a mail (its HTML part's hrefs, else the text part's URLs), once each. */
export function mailLinks(mail: Pick<OutboxMail, 'body'>): string[] {
  const html = mail.body.html ?? '';
  const fromHtml = [...html.matchAll(/href="(https?:\/\/[^"]+)"/g)].map((m) =>
    (m[1] ?? '').replaceAll('&amp;', '&'),
  );
  // A sentence's full stop or comma after a URL is not part of it.
  const fromText = [...(mail.body.text ?? '').matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) =>
    m[0].replace(/[.,;:!?)]+$/, ''),
  );
  return [...new Set(fromHtml.length > 0 ? fromHtml : fromText)];
}

function linksList(mail: OutboxMail): string {
  const links = mailLinks(mail);
  if (links.length === 0) return '';
  const items = links
    .map(
      (href) =>
        `<li><a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(href)}</a></li>`,
    )
    .join('');
  return `<p>Links in this mail (each opens in a new tab):</p><ul>${items}</ul>`;
}
