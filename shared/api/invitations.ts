/** Inviting and retiring users (SPEC §4, §5.5), and the pages behind the link in the e-mail. */
import * as z from 'zod';
import { AccountParams } from './accounts.ts';
import { startsJob } from './jobs.ts';
import { defineRoute, jwtRoutes } from './route.ts';

/** Each user is marked as waiting for the job inside the request, so a call stays well within 29 s. */
export const MAX_USERS_PER_JOB = 1_000;

const UserIdsBody = z
  .object({
    userIds: z
      .array(z.string().min(1).max(256))
      .min(1)
      .max(MAX_USERS_PER_JOB)
      .meta({ description: `At most ${MAX_USERS_PER_JOB.toLocaleString('en')} per call.` }),
  })
  .strict()
  .meta({ id: 'UserIds' });

/** A job about some users of an account (they are named in the body); the routes differ in what it does. */
const userJobRoute = jwtRoutes('users', {
  params: AccountParams,
  body: UserIdsBody,
  ...startsJob({ account: 'manage' }),
  errors: [404, 422],
});

export const inviteUsers = userJobRoute('inviteUsers', 'POST /v1/accounts/{accountId}/users/invitations', {
  summary:
    'Register the users at Apple and e-mail each a unique invitation link (a new invitation voids the old link). A retired user comes back: registered at Apple again and invited, the same user with their history.',
});

export const retireUsers = userJobRoute('retireUsers', 'POST /v1/accounts/{accountId}/users/retirements', {
  summary:
    "Take back the users' revocable licences (Apple's revoke) and retire them at Apple; books stay and are reported.",
});

const TokenParams = z.object({ token: z.string().min(1).max(200) });

export const openInvitation = defineRoute({
  id: 'openInvitation',
  method: 'GET',
  path: '/invitations/{token}',
  auth: 'none',
  summary: 'The page behind the e-mail link: names the account, with one button (opening it uses nothing).',
  tag: 'invitations',
  params: TokenParams,
  response: {
    status: 200,
    contentType: 'text/html',
    description: 'An HTML page (410 when accepted, voided or expired, 404 when unknown).',
  },
  errors: [404, 410],
});

export const acceptInvitation = defineRoute({
  id: 'acceptInvitation',
  method: 'POST',
  path: '/invitations/{token}',
  auth: 'none',
  summary:
    "The page's button: redirects (303) to Apple's invitation; the link works again until Apple reports the user Associated (then 410).",
  tag: 'invitations',
  params: TokenParams,
  bodyType: 'form',
  response: { status: 303, description: "Redirect to Apple's invitation page." },
  errors: [404, 410],
});

export const INVITATION_ROUTES = [inviteUsers, retireUsers, openInvitation, acceptInvitation];
