/** Reports: licence usage per app as a chart, the shortage list, the CSV file. */
import { useState } from 'preact/hooks';
import { api, download, ErrorNote, Loading, useLoad } from '../ui.tsx';

export function ReportsPage() {
  const report = useLoad(() => api.call('GET', '/v1/reports/licenses'), []);
  const [error, setError] = useState<unknown>();
  const rows = report.data?.items ?? [];
  const shortages = rows.filter((r) => r.shortage > 0);
  const widest = Math.max(1, ...rows.map((r) => r.total ?? r.assigned + r.pending));
  return (
    <>
      <h1>Reports</h1>
      <p>
        <button
          type="button"
          onClick={async () => {
            setError(undefined);
            try {
              download('licences.csv', await api.text('/v1/reports/licenses', { format: 'csv' }), 'text/csv');
            } catch (failure) {
              setError(failure);
            }
          }}
        >
          Download CSV
        </button>
      </p>
      <ErrorNote error={error ?? report.error} />
      {report.loading && !report.data && <Loading what="the report" />}
      <section aria-label="Shortages">
        <h2>Shortages</h2>
        {report.data && shortages.length === 0 && (
          <p class="empty">No shortage: every deployment's scope has a licence.</p>
        )}
        {shortages.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">App or book</th>
                <th scope="col">Account</th>
                <th scope="col">In scope</th>
                <th scope="col">Available</th>
                <th scope="col">Short by</th>
              </tr>
            </thead>
            <tbody>
              {shortages.map((r) => (
                <tr key={r.accountId + r.adamId + r.pricingParam} class="shortage">
                  <th scope="row">
                    <a href={`/accounts/${r.accountId}/apps/${r.adamId}?pricingParam=${r.pricingParam}`}>
                      {r.name ?? r.adamId}
                    </a>
                  </th>
                  <td>{r.accountName}</td>
                  <td>{r.inScope ?? '—'}</td>
                  <td>{r.available ?? 'unlimited'}</td>
                  <td>{r.shortage}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-label="Licence usage">
        <h2>Licence usage per app</h2>
        <p class="legend">
          <span class="key usage-assigned" /> assigned <span class="key usage-pending" /> pending{' '}
          <span class="key usage-free" /> available <span class="key usage-short" /> shortage
        </p>
        {report.data && rows.length === 0 && <p class="empty">No app or book yet.</p>}
        <ul class="chart">
          {rows.map((r) => {
            const scale = (n: number) => `${(n / widest) * 100}%`;
            const free = Math.max(0, r.available ?? 0);
            return (
              <li key={r.accountId + r.adamId + r.pricingParam} class={r.shortage > 0 ? 'shortage' : ''}>
                <span class="chart-label">
                  {r.name ?? r.adamId} <span class="muted">({r.accountName})</span>
                </span>
                <span
                  class="chart-bar"
                  role="img"
                  aria-label={`${r.name ?? r.adamId}: ${r.assigned} assigned, ${r.pending} pending, ${r.available ?? 'unlimited'} available${r.shortage > 0 ? `, short by ${r.shortage}` : ''}`}
                >
                  <span class="usage-assigned" style={{ width: scale(r.assigned) }} />
                  <span class="usage-pending" style={{ width: scale(r.pending) }} />
                  <span class="usage-free" style={{ width: scale(free) }} />
                  {r.shortage > 0 && <span class="usage-short" style={{ width: scale(r.shortage) }} />}
                </span>
                <span class="chart-numbers">
                  {r.assigned}/{r.total ?? '∞'}
                  {r.shortage > 0 ? `, short ${r.shortage}` : ''}
                </span>
              </li>
            );
          })}
        </ul>
      </section>
    </>
  );
}
