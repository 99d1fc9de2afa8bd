/** The public pages behind the invitation e-mail's link. */
import { acceptInvitation, openInvitation } from '../../shared/api/invitations.ts';
import * as pages from '../../shared/application/users/invitation-pages.ts';
import { bind, type HttpResult, httpFunction } from '../lib/http.ts';

/** Browsers apply `form-action` to the redirect after a form too: the page may lead to Apple, nowhere else. */
const csp = (formTarget: string | undefined) =>
  `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formTarget ? ` ${formTarget}` : ''}; frame-ancestors 'none'; base-uri 'none'`;

const toResult = (answer: pages.PageAnswer): HttpResult =>
  answer.status === 303
    ? { status: 303, headers: { location: answer.location }, html: '' }
    : {
        status: answer.status,
        html: answer.html,
        headers: { 'content-security-policy': csp(answer.formTarget) },
      };

export const handler = httpFunction(
  bind(openInvitation, async ({ deps, params }) => toResult(await pages.openInvitation(deps, params.token))),
  bind(acceptInvitation, async ({ deps, params }) =>
    toResult(await pages.acceptInvitation(deps, params.token)),
  ),
);
