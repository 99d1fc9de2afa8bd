/** The audit log: every change, newest first. */
import { api, ErrorNote, Loading, Pager, usePaged, when } from '../ui.tsx';

export function AuditPage() {
  const entries = usePaged((cursor) => api.call('GET', '/v1/audit', { query: { cursor, limit: 50 } }), []);
  const items = entries.data?.items ?? [];
  return (
    <>
      <h1>Audit log</h1>
      <ErrorNote error={entries.error} />
      {entries.loading && !entries.data && <Loading what="the audit log" />}
      {entries.data && items.length === 0 && <p class="empty">Nothing recorded yet.</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.at)}</td>
                  <td>{e.actor.type === 'user' ? e.actor.email : `${e.actor.type} ${e.actor.id}`}</td>
                  <th scope="row">{e.action}</th>
                  <td>{e.target}</td>
                  <td>{e.result}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pager={entries} />
    </>
  );
}
