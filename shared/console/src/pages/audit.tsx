/** The audit log: every change, newest first. */
import { api, ListState, Pager, Table, usePaged, when } from '../ui.tsx';

export function AuditPage() {
  const entries = usePaged((cursor) => api.call('GET', '/v1/audit', { query: { cursor, limit: 50 } }), []);
  const items = entries.data?.items ?? [];
  return (
    <>
      <h1>Audit log</h1>
      <ListState list={entries} what="the audit log" empty="Nothing recorded yet." count={items.length} />
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
