/** The local outbox page (functions/local/outbox-page.ts): no frame; each link of a mail opens in a new tab. */
import { describe, expect, it } from 'vitest';
import type { OutboxMail } from '../../../functions/local/engines/ses-local.ts';
import { mailLinks, renderOutbox } from '../../../functions/local/outbox-page.ts';

const mail = (body: OutboxMail['body']): OutboxMail =>
  ({
    subject: 'Join <Hillside>',
    from: 'vpp@local.test',
    destination: { to: ['sam@pupils.test'] },
    at: 1_780_000_000,
    body,
  }) as OutboxMail;

describe('the outbox page', () => {
  it("lists a mail's links, opening in a new tab, with no frame and nothing of the mail's HTML run", () => {
    const page = renderOutbox([
      mail({
        html: '<p>Hi</p><a href="http://127.0.0.1:8080/invitations/abc?x=1&amp;y=2">Accept</a><script>alert(1)</script>',
        text: 'Open http://127.0.0.1:8080/invitations/abc?x=1&y=2',
      }),
    ]);
    expect(page).not.toContain('<iframe');
    expect(page).not.toContain('<script>');
    expect(page).toContain(
      '<a href="http://127.0.0.1:8080/invitations/abc?x=1&amp;y=2" target="_blank" rel="noopener">',
    );
    expect(page).toContain('Join &lt;Hillside&gt;');
  });

  it("takes the links of the HTML part, else the text part's, once each", () => {
    expect(
      mailLinks({
        body: {
          html: '<a href="https://a.test/1">x</a><a href="https://a.test/1">y</a>',
          text: 'https://b.test',
        },
      }),
    ).toEqual(['https://a.test/1']);
    expect(mailLinks({ body: { text: 'See https://b.test/x and https://b.test/x.' } })).toEqual([
      'https://b.test/x',
    ]);
    expect(mailLinks({ body: { text: 'no link' } })).toEqual([]);
  });
});
