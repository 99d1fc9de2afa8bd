/** The local outbox as a page: every mail the SES stand-in received, newest first. */
import { escapeHtml } from '../../shared/domain/html.ts';
import type { OutboxMail } from './engines/ses-local.ts';

export function renderOutbox(mails: readonly OutboxMail[]): string {
  const items = mails
    .map(
      (mail) => `<article>
  <h2>${escapeHtml(mail.subject)}</h2>
  <p class="meta">To ${escapeHtml(mail.destination.to.join(', '))} · from ${escapeHtml(mail.from)} · ${new Date(mail.at * 1000).toISOString()}</p>
  ${mail.body.html ? `<iframe sandbox title="${escapeHtml(mail.subject)}" srcdoc="${escapeHtml(mail.body.html)}"></iframe>` : ''}
  <details><summary>Text part</summary><pre>${escapeHtml(mail.body.text ?? '')}</pre></details>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local outbox</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}
.meta{color:#555}iframe{width:100%;height:22rem;border:1px solid #eee}pre{white-space:pre-wrap}</style></head>
<body><h1>Local outbox</h1><p>${mails.length} mail${mails.length === 1 ? '' : 's'} sent through the SES stand-in. JSON: <code>/_local/outbox</code>.</p>
${items || '<p>No mail yet.</p>'}
</body></html>`;
}
