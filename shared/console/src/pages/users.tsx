/** User management: the list with status chips, + Add user, CSV import, Send invitation(s), Retire user(s). */
import { useState } from 'preact/hooks';
import type { Of } from '../api.ts';
import { useSession } from '../session.ts';
import {
  api,
  CardForm,
  Chip,
  can,
  ErrorNote,
  Filters,
  FollowJob,
  ListState,
  newKey,
  Pager,
  type Rejection,
  Rejections,
  SelectField,
  Table,
  TextField,
  toggled,
  useAttempt,
  usePaged,
  userTone,
} from '../ui.tsx';

type ImportResult = Of<'POST', '/v1/accounts/{accountId}/users/import'>;

export function UserManagement({ accountId }: { accountId: string }) {
  const session = useSession();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [panel, setPanel] = useState<'' | 'add' | 'import'>('');
  const { error, attempt } = useAttempt();
  const [jobId, setJobId] = useState<string>();
  const [rejected, setRejected] = useState<Rejection[]>([]);
  const [imported, setImported] = useState<ImportResult>();
  const users = usePaged(
    (cursor) =>
      api.call('GET', '/v1/accounts/{accountId}/users', {
        params: { accountId },
        query: { cursor, limit: 50, status: status || undefined, search: search.trim() || undefined },
      }),
    [accountId, status, search],
  );
  const writable = can.manage(session);
  const ids = [...selected];
  const startJob = (
    path: '/v1/accounts/{accountId}/users/invitations' | '/v1/accounts/{accountId}/users/retirements',
  ) =>
    attempt(async () => {
      const answer = await api.call('POST', path, {
        params: { accountId },
        body: { userIds: ids },
        idempotencyKey: newKey(),
      });
      setJobId(answer.job.id);
      setRejected(answer.rejected);
      setSelected(new Set());
    });
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
      <Rejections title="Not included:" rejected={rejected} />
      {jobId && <FollowJob id={jobId} onEnd={() => users.reload()} />}
      <Filters onRefresh={() => users.reload()}>
        <SelectField
          label="Status"
          value={status}
          onValue={setStatus}
          options={[['', 'Any'], 'New', 'Invited', 'Associated', 'Retired']}
        />
        <TextField
          label="Search (e-mail or name, how it starts)"
          type="search"
          value={search}
          onValue={setSearch}
          commit
        />
      </Filters>
      <ListState list={users} what="the users" empty="No user matches." count={items.length} />
      {items.length > 0 && (
        <Table
          columns={[
            writable && (
              <input
                type="checkbox"
                aria-label="Select every user on this page"
                checked={allSelected}
                onChange={() =>
                  setSelected(allSelected ? new Set() : new Set([...selected, ...items.map((u) => u.id)]))
                }
              />
            ),
            'E-mail',
            'Name',
            'Status',
            'Tags',
            'Source',
          ]}
        >
          {items.map((user) => (
            <tr key={user.id} data-user-email={user.email}>
              {writable && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${user.email ?? user.id}`}
                    checked={selected.has(user.id)}
                    onChange={() => setSelected(toggled(selected, user.id))}
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
        </Table>
      )}
      <Pager pager={users} />
    </section>
  );
}

function AddUser({ accountId, onDone }: { accountId: string; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const { error, attempt } = useAttempt();
  return (
    <CardForm
      label="Add user"
      onSubmit={() =>
        attempt(async () => {
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
        })
      }
    >
      <h3>Add user</h3>
      <TextField label="E-mail" name="email" type="email" required value={email} onValue={setEmail} />
      <TextField label="Name" name="name" value={name} onValue={setName} />
      <TextField label="Tags (separated by commas)" name="tags" value={tags} onValue={setTags} />
      <ErrorNote error={error} />
      <button type="submit" class="primary">
        Add user
      </button>
    </CardForm>
  );
}

function ImportUsers({ accountId, onDone }: { accountId: string; onDone: (result: ImportResult) => void }) {
  const [csv, setCsv] = useState('');
  const { error, attempt } = useAttempt();
  return (
    <CardForm
      label="Import users from CSV"
      onSubmit={() =>
        attempt(async () =>
          onDone(
            await api.call('POST', '/v1/accounts/{accountId}/users/import', {
              params: { accountId },
              body: csv,
              csv: true,
            }),
          ),
        )
      }
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
    </CardForm>
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
