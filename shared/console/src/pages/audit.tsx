/** The audit log: every change, newest first, filtered by who, what, which account and when. */
import { useState } from 'preact/hooks';
import {
  api,
  Filters,
  ListState,
  Pager,
  SelectField,
  Table,
  TextField,
  useLoad,
  usePaged,
  when,
} from '../ui.tsx';

/** A day picked in the form, as the first or last instant of that day in UTC. */
const dayStart = (day: string) => (day ? `${day}T00:00:00.000Z` : undefined);
const dayEnd = (day: string) => (day ? `${day}T23:59:59.999Z` : undefined);

export function AuditPage() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [accountId, setAccountId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const accounts = useLoad(() => api.call('GET', '/v1/accounts', {}), []);
  const entries = usePaged(
    (cursor) =>
      api.call('GET', '/v1/audit', {
        query: {
          cursor,
          limit: 50,
          actor: actor.trim() || undefined,
          action: action.trim() || undefined,
          accountId: accountId || undefined,
          from: dayStart(from),
          to: dayEnd(to),
        },
      }),
    [actor, action, accountId, from, to],
  );
  const items = entries.data?.items ?? [];
  return (
    <>
      <h1>Audit log</h1>
      <Filters onRefresh={() => entries.reload()}>
        <TextField label="Who (e-mail or id)" type="search" value={actor} onValue={setActor} commit />
        <TextField
          label="Action (license.granted, or license)"
          type="search"
          value={action}
          onValue={setAction}
          commit
        />
        <SelectField
          label="Account"
          value={accountId}
          onValue={setAccountId}
          options={[
            ['', 'Any'],
            ...(accounts.data?.items ?? []).map((a) => [a.id, a.name] as [string, string]),
          ]}
        />
        <TextField label="From (UTC day)" type="date" value={from} onValue={setFrom} commit />
        <TextField label="To (UTC day)" type="date" value={to} onValue={setTo} commit />
      </Filters>
      <ListState list={entries} what="the audit log" empty="Nothing recorded matches." count={items.length} />
      {items.length > 0 && (
        <Table columns={['When', 'Who', 'Action', 'Target', 'Result']}>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>{e.actor.type === 'user' ? e.actor.email : `${e.actor.type} ${e.actor.id}`}</td>
              <th scope="row">{e.action}</th>
              <td>{e.target}</td>
              <td>{e.result}</td>
            </tr>
          ))}
        </Table>
      )}
      <Pager pager={entries} />
    </>
  );
}
