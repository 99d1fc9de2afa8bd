/** Accounts: the list with status badges, Add account from a .vpptoken file, renew, sync now, remove. */
import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { useSession } from '../session.ts';
import {
  type Account,
  AccountBadge,
  api,
  CardForm,
  can,
  ErrorNote,
  FollowJob,
  ListState,
  newKey,
  Section,
  Table,
  TextField,
  useAttempt,
  useLoad,
  when,
} from '../ui.tsx';

const list = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export function AccountsPage() {
  const session = useSession();
  const accounts = useLoad(() => api.call('GET', '/v1/accounts'), []);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [jobId, setJobId] = useState<string>();
  const items = accounts.data?.items ?? [];
  return (
    <>
      <h1>Accounts</h1>
      <p class="lede">
        Each account is the content token of one Apple School Manager or Apple Business location.
      </p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {jobId && <FollowJob id={jobId} onEnd={() => accounts.reload()} />}
      <Section
        title="Your accounts"
        actions={
          can.administer(session) && (
            <button type="button" class="primary" onClick={() => setAdding(!adding)} aria-expanded={adding}>
              Add account
            </button>
          )
        }
      >
        {adding && (
          <AddAccount
            onDone={(account) => {
              setAdding(false);
              setNotice(`Added ${account.name}; its first sync has started.`);
              accounts.reload();
            }}
          />
        )}
        <ListState
          list={accounts}
          what="the accounts"
          empty={
            <>
              No account yet.{' '}
              {can.administer(session) ? 'Add one with its .vpptoken file.' : 'An org-admin adds them.'}
            </>
          }
          count={items.length}
        />
        {items.length > 0 && (
          <Table
            columns={[
              'Name',
              'Status',
              'Location',
              'Last sync',
              'Apps and books',
              'Licences assigned',
              'Users',
              'Actions',
            ]}
          >
            {items.map((account) => (
              <AccountRow
                key={account.id}
                account={account}
                onChanged={(text, job) => {
                  setNotice(text);
                  if (job) setJobId(job);
                  accounts.reload();
                }}
              />
            ))}
          </Table>
        )}
      </Section>
    </>
  );
}

function AccountRow({
  account,
  onChanged,
}: {
  account: Account;
  onChanged: (text: string, job?: string) => void;
}) {
  const session = useSession();
  const { error, attempt: run } = useAttempt();
  const [renewing, setRenewing] = useState(false);
  return (
    <>
      <tr>
        <th scope="row">
          <a href={`/accounts/${account.id}`}>{account.name}</a>
          <div class="muted">{account.email}</div>
        </th>
        <td>
          <AccountBadge account={account} />
        </td>
        <td>
          {account.location.name}
          <div class="muted">{account.location.organizationName}</div>
        </td>
        <td>{account.lastSync ? when(account.lastSync.at) : 'never'}</td>
        <td>{account.counts.assets}</td>
        <td>
          {account.counts.licenses.assigned} of {account.counts.licenses.total}
        </td>
        <td>{account.counts.users}</td>
        <td class="actions">
          {can.manage(session) && (
            <button
              type="button"
              onClick={() =>
                run(async () => {
                  const job = await api.call('POST', '/v1/accounts/{accountId}/sync', {
                    params: { accountId: account.id },
                    idempotencyKey: newKey(),
                  });
                  const id = job.job.id;
                  onChanged(`Sync of ${account.name} started.`, id);
                })
              }
            >
              Sync now<span class="sr-only"> {account.name}</span>
            </button>
          )}
          {can.administer(session) && (
            <>
              <button type="button" onClick={() => setRenewing(!renewing)} aria-expanded={renewing}>
                Renew token<span class="sr-only"> of {account.name}</span>
              </button>
              <button
                type="button"
                class="danger"
                onClick={() =>
                  run(async () => {
                    if (
                      !confirm(
                        `Remove ${account.name}? Its licences stay assigned at Apple; this service forgets them.`,
                      )
                    )
                      return;
                    const removed = await api.call('DELETE', '/v1/accounts/{accountId}', {
                      params: { accountId: account.id },
                    });
                    onChanged(
                      `Removed ${account.name}. ${removed.assignmentsKeptAtApple} assignment${removed.assignmentsKeptAtApple === 1 ? '' : 's'} stay at Apple.`,
                    );
                  })
                }
              >
                Remove<span class="sr-only"> {account.name}</span>
              </button>
            </>
          )}
          <ErrorNote error={error} />
        </td>
      </tr>
      {renewing && (
        <tr>
          <td colSpan={8}>
            <RenewToken
              account={account}
              onDone={() => {
                setRenewing(false);
                onChanged(`The token of ${account.name} is renewed.`);
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

function TokenFile({ onToken }: { onToken: (text: string, name: string) => void }) {
  const [name, setName] = useState<string>();
  const read = async (file: File | undefined) => {
    if (!file) return;
    setName(file.name);
    onToken(await file.text(), file.name);
  };
  return (
    <div class="drop">
      <label
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          read(e.dataTransfer?.files[0]);
        }}
      >
        Content token (.vpptoken file): drop it here or pick it
        <input
          type="file"
          name="token"
          accept=".vpptoken,text/plain"
          required
          onChange={(e) => read(e.currentTarget.files?.[0])}
        />
      </label>
      {name && <p class="muted">Read {name}.</p>}
    </div>
  );
}

function AddAccount({ onDone }: { onDone: (account: Account) => void }) {
  const [token, setToken] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [admins, setAdmins] = useState('');
  const [networks, setNetworks] = useState('');
  const [error, setError] = useState<unknown>();
  const [offerTakeOver, setOfferTakeOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (takeOver: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const account = await api.call('POST', '/v1/accounts', {
        body: {
          name,
          email,
          token,
          allowedAdmins: list(admins),
          assignableNetworks: list(networks),
          takeOver,
        },
      });
      onDone(account as Account);
    } catch (failure) {
      setError(failure);
      setOfferTakeOver(failure instanceof ApiError && failure.code === 'token.claimed_elsewhere');
    } finally {
      setBusy(false);
    }
  };
  return (
    <CardForm label="Add account" onSubmit={() => submit(false)}>
      <h3>Add account</h3>
      <TokenFile
        onToken={(text, file) => {
          setToken(text);
          if (!name) setName(file.replace(/\.vpptoken$/i, ''));
        }}
      />
      <TextField label="Name" name="name" required maxLength={100} value={name} onValue={setName} />
      <TextField
        label="Contact e-mail (expiry warnings go there)"
        name="email"
        type="email"
        required
        value={email}
        onValue={setEmail}
      />
      <TextField
        label="Allowed admins (e-mails, separated by commas or spaces)"
        name="allowedAdmins"
        value={admins}
        onValue={setAdmins}
      />
      <TextField
        label="Assignable networks (ids; empty: every network)"
        name="assignableNetworks"
        value={networks}
        onValue={setNetworks}
      />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !token}>
          {busy ? 'Adding…' : 'Add account'}
        </button>
        {offerTakeOver && (
          <button type="button" class="danger" disabled={busy} onClick={() => submit(true)}>
            Take over the location from the other MDM
          </button>
        )}
      </div>
    </CardForm>
  );
}

function RenewToken({ account, onDone }: { account: Account; onDone: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [offerTakeOver, setOfferTakeOver] = useState(false);
  const submit = async (takeOver: boolean) => {
    setError(undefined);
    try {
      await api.call('PUT', '/v1/accounts/{accountId}/token', {
        params: { accountId: account.id },
        body: { token, takeOver },
      });
      onDone();
    } catch (failure) {
      setError(failure);
      setOfferTakeOver(failure instanceof ApiError && failure.code === 'token.claimed_elsewhere');
    }
  };
  return (
    <CardForm label={`Renew the token of ${account.name}`} onSubmit={() => submit(false)}>
      <TokenFile onToken={(text) => setToken(text)} />
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={!token}>
          Renew token
        </button>
        {offerTakeOver && (
          <button type="button" class="danger" onClick={() => submit(true)}>
            Take over the location
          </button>
        )}
      </div>
    </CardForm>
  );
}
