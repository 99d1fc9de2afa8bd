/** One user: status, details and the licences they hold; a retired user can be brought back. */

import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { useSession } from '../session.ts';
import {
  api,
  Chip,
  can,
  ErrorNote,
  FollowJob,
  Loading,
  newKey,
  type Rejection,
  Rejections,
  useAttempt,
  useLoad,
  userTone,
  when,
} from '../ui.tsx';

export function UserPage() {
  const { params } = useRoute();
  const accountId = params.accountId ?? '';
  const userId = params.userId ?? '';
  const user = useLoad(
    () => api.call('GET', '/v1/accounts/{accountId}/users/{userId}', { params: { accountId, userId } }),
    [accountId, userId],
  );
  const writable = can.manage(useSession());
  const { error, attempt } = useAttempt();
  const [jobId, setJobId] = useState<string>();
  const [rejected, setRejected] = useState<Rejection[]>([]);
  // A retired user comes back by an invitation (SPEC §5.3): registered at Apple again, then Invited.
  const bringBack = () =>
    attempt(async () => {
      const answer = await api.call('POST', '/v1/accounts/{accountId}/users/invitations', {
        params: { accountId },
        body: { userIds: [userId] },
        idempotencyKey: newKey(),
      });
      setRejected(answer.rejected);
      setJobId(answer.job.id);
    });
  return (
    <>
      <p class="crumbs">
        <a href="/accounts">Accounts</a> › <a href={`/accounts/${accountId}/users`}>User management</a> ›
      </p>
      {user.error && (
        <>
          <h1>User</h1>
          <ErrorNote error={user.error} />
        </>
      )}
      {!user.data && !user.error && <Loading what="the user" />}
      {user.data && (
        <>
          <h1>
            {user.data.email ?? user.data.id}{' '}
            <Chip text={user.data.status} tone={userTone(user.data.status)} />
          </h1>
          <dl class="facts">
            <dt>Name</dt>
            <dd>{user.data.name ?? '—'}</dd>
            <dt>Tags</dt>
            <dd>{user.data.tags.join(', ') || '—'}</dd>
            <dt>Source</dt>
            <dd>{user.data.source}</dd>
            <dt>Added</dt>
            <dd>{when(user.data.createdAt)}</dd>
          </dl>
          {writable && user.data.status === 'Retired' && (
            <div class="notice">
              <p>
                Retired: Apple no longer knows this user and their licences went back to the pool. Bringing
                them back registers them at Apple again and sends an invitation
                {user.data.email ? ` to ${user.data.email}` : ''}.
              </p>
              <button type="button" class="primary" disabled={Boolean(jobId)} onClick={bringBack}>
                Bring back and invite
              </button>
            </div>
          )}
          <ErrorNote error={error} />
          <Rejections title="Not brought back:" rejected={rejected} />
          {jobId && <FollowJob id={jobId} onEnd={() => user.reload()} />}
          <h2>Licences</h2>
          {user.data.licenses.length === 0 ? (
            <p class="empty">No licence.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">App or book</th>
                    <th scope="col">State</th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {user.data.licenses.map((l) => (
                    <tr key={l.adamId + l.pricingParam}>
                      <th scope="row">
                        <a href={`/accounts/${accountId}/apps/${l.adamId}?pricingParam=${l.pricingParam}`}>
                          {l.name ?? l.adamId}
                        </a>
                      </th>
                      <td>{l.state}</td>
                      <td>{l.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
