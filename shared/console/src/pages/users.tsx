/** User management: the list with status chips, + Add user, CSV import, Send invitation(s), Retire user(s). */
import { useState } from 'preact/hooks';
import type { Of } from '../api.ts';
import { useSession } from '../session.ts';
import {
  api,
  Chip,
  can,
  ErrorNote,
  FollowJob,
  Loading,
  newKey,
  Pager,
  rememberJob,
  usePaged,
  userTone,
} from '../ui.tsx';

type ImportResult = Of<'POST', '/v1/accounts/{accountId}/users/import'>;
type Rejection = { subject: string; code: string; reason: string };

export function UserManagement({ accountId }: { accountId: string }) {
  const session = useSession();
  const [status, setStatus] = useState('');
  const [email, setEmail] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [panel, setPanel] = useState<'' | 'add' | 'import'>('');
  const [error, setError] = useState<unknown>();
  const [jobId, setJobId] = useState<string>();
  const [rejected, setRejected] = useState<Rejection[]>([]);
  const [imported, setImported] = useState<ImportResult>();
  const users = usePaged(
    (cursor) =>
      api.call('GET', '/v1/accounts/{accountId}/users', {
        params: { accountId },
        query: { cursor, limit: 50, status: status || undefined, email: email.trim() || undefined },
      }),
    [accountId, status, email],
  );
  const writable = can.manage(session);
  const ids = [...selected];
  const startJob = async (
    path: '/v1/accounts/{accountId}/users/invitations' | '/v1/accounts/{accountId}/users/retirements',
  ) => {
    setError(undefined);
    try {
      const answer = await api.call('POST', path, {
        params: { accountId },
        body: { userIds: ids },
        idempotencyKey: newKey(),
      });
      rememberJob(answer.job.id);
      setJobId(answer.job.id);
      setRejected(answer.rejected);
      setSelected(new Set());
    } catch (failure) {
      setError(failure);
    }
  };
  const items = users.data?.items ?? [];
  const allSelected = items.length > 0 && items.every((u) => selected.has(u.id));
  return (
    <section aria-label="User management">
      <div class="section-head">
        <h2>User management</h2>
        {writable && (
          <div class="actions">
            <button
              type="button"
              onClick={() => setPanel(panel === 'add' ? '' : 'add')}
              aria-expanded={panel === 'add'}
            >
              + Add user
            </button>
            <button
              type="button"
              onClick={() => setPanel(panel === 'import' ? '' : 'import')}
              aria-expanded={panel === 'import'}
            >
              Import CSV
            </button>
            <button
              type="button"
              disabled={ids.length === 0}
              onClick={() => startJob('/v1/accounts/{accountId}/users/invitations')}
            >
              Send invitation(s)
            </button>
            <button
              type="button"
              class="danger"
              disabled={ids.length === 0}
              onClick={() => startJob('/v1/accounts/{accountId}/users/retirements')}
            >
              Retire user(s)
            </button>
          </div>
        )}
      </div>
      {panel === 'add' && (
        <AddUser
          accountId={accountId}
          onDone={() => {
            setPanel('');
            users.reload();
          }}
        />
      )}
      {panel === 'import' && (
        <ImportUsers
          accountId={accountId}
          onDone={(result) => {
            setImported(result);
            setPanel('');
            users.reload();
          }}
        />
      )}
      {imported && <ImportReport result={imported} />}
      <ErrorNote error={error} />
      {rejected.length > 0 && (
        <div class="notice" role="status">
          <p>Not included:</p>
          <ul>
            {rejected.map((r) => (
              <li key={r.subject}>
                {r.subject}: {r.reason} ({r.code})
              </li>
            ))}
          </ul>
        </div>
      )}
      {jobId && <FollowJob id={jobId} onEnd={() => users.reload()} />}
      <div class="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any</option>
            <option>New</option>
            <option>Invited</option>
            <option>Associated</option>
            <option>Retired</option>
          </select>
        </label>
        <label>
          E-mail
          <input type="search" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <button type="button" onClick={() => users.reload()}>
          Refresh
        </button>
      </div>
      <ErrorNote error={users.error} />
      {users.loading && !users.data && <Loading what="the users" />}
      {users.data && items.length === 0 && <p class="empty">No user matches.</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                {writable && (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select every user on this page"
                      checked={allSelected}
                      onChange={() =>
                        setSelected(
                          allSelected ? new Set() : new Set([...selected, ...items.map((u) => u.id)]),
                        )
                      }
                    />
                  </th>
                )}
                <th scope="col">E-mail</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Tags</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {items.map((user) => (
                <tr key={user.id} data-user-email={user.email}>
                  {writable && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${user.email ?? user.id}`}
                        checked={selected.has(user.id)}
                        onChange={() => {
                          const next = new Set(selected);
                          if (next.has(user.id)) next.delete(user.id);
                          else next.add(user.id);
                          setSelected(next);
                        }}
                      />
                    </td>
                  )}
                  <th scope="row">
                    <a href={`/accounts/${accountId}/users/${encodeURIComponent(user.id)}`}>
                      {user.email ?? user.id}
                    </a>
                  </th>
                  <td>{user.name ?? ''}</td>
                  <td>
                    <Chip text={user.status} tone={userTone(user.status)} />
                  </td>
                  <td>{user.tags.join(', ')}</td>
                  <td>{user.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pager={users} />
    </section>
  );
}

function AddUser({ accountId, onDone }: { accountId: string; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <form
      class="card"
      aria-label="Add user"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          await api.call('POST', '/v1/accounts/{accountId}/users', {
            params: { accountId },
            body: {
              email,
              ...(name.trim() ? { name: name.trim() } : {}),
              tags: tags
                .split(/[,;]/)
                .map((t) => t.trim())
                .filter(Boolean),
            },
          });
          onDone();
        } catch (failure) {
          setError(failure);
        }
      }}
    >
      <h3>Add user</h3>
      <label>
        E-mail
        <input
          name="email"
          type="email"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <label>
        Name
        <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Tags (separated by commas)
        <input name="tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
      </label>
      <ErrorNote error={error} />
      <button type="submit" class="primary">
        Add user
      </button>
    </form>
  );
}

function ImportUsers({ accountId, onDone }: { accountId: string; onDone: (result: ImportResult) => void }) {
  const [csv, setCsv] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <form
      class="card"
      aria-label="Import users from CSV"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          onDone(
            await api.call('POST', '/v1/accounts/{accountId}/users/import', {
              params: { accountId },
              body: csv,
              csv: true,
            }),
          );
        } catch (failure) {
          setError(failure);
        }
      }}
    >
      <h3>Import users from a CSV file</h3>
      <p class="muted">
        A header row with <code>email</code> (required), <code>name</code>, <code>managedAppleId</code>,{' '}
        <code>tags</code> (separated by <code>;</code>). At most 5,000 rows.
      </p>
      <label>
        CSV file
        <input
          type="file"
          name="csv"
          accept=".csv,text/csv"
          onChange={async (e) => setCsv((await e.currentTarget.files?.[0]?.text()) ?? '')}
        />
      </label>
      <label>
        Or paste the rows
        <textarea name="csvText" rows={5} value={csv} onInput={(e) => setCsv(e.currentTarget.value)} />
      </label>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={!csv.trim()}>
        Import
      </button>
    </form>
  );
}

function ImportReport({ result }: { result: ImportResult }) {
  return (
    <div class="notice import-report" role="status">
      <p>
        Added {result.added.length} user{result.added.length === 1 ? '' : 's'}; {result.rejected.length} line
        {result.rejected.length === 1 ? '' : 's'} refused.
      </p>
      {result.rejected.length > 0 && (
        <table>
          <caption>Refused lines</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">E-mail</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {result.rejected.map((r) => (
              <tr key={r.line}>
                <td>{r.line}</td>
                <td>{r.email ?? ''}</td>
                <td>
                  {r.reason} ({r.code})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
