/** One account: its Licensed applications and its User management, as two tabs. */

import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { AccountBadge, api, Chip, ErrorNote, Loading, Pager, UsageBar, useLoad, usePaged } from '../ui.tsx';
import { UserManagement } from './users.tsx';

export function AccountPage() {
  const { params } = useRoute();
  const accountId = params.accountId ?? '';
  const tab = params.tab === 'users' ? 'users' : 'apps';
  const account = useLoad(
    () => api.call('GET', '/v1/accounts/{accountId}', { params: { accountId } }),
    [accountId],
  );
  // A new account's first sync is still bringing its apps: look again until it has completed.
  const firstSyncRunning = account.data !== undefined && account.data.lastSync === null;
  useEffect(() => {
    if (!firstSyncRunning) return;
    const timer = setTimeout(account.reload, 3000);
    return () => clearTimeout(timer);
  }, [firstSyncRunning, account.reload, account.data]);
  if (account.error)
    return (
      <>
        <h1>Account</h1>
        <ErrorNote error={account.error} />
        <p>
          <a href="/accounts">Back to the accounts</a>
        </p>
      </>
    );
  if (!account.data) return <Loading what="the account" />;
  return (
    <>
      <p class="crumbs">
        <a href="/accounts">Accounts</a> ›
      </p>
      <h1>
        {account.data.name} <AccountBadge account={account.data} />
      </h1>
      <p class="lede">
        {account.data.location.name} · {account.data.location.organizationName}
      </p>
      <nav class="tabs" aria-label="Account">
        <a href={`/accounts/${accountId}/apps`} aria-current={tab === 'apps' ? 'page' : undefined}>
          Licensed applications
        </a>
        <a href={`/accounts/${accountId}/users`} aria-current={tab === 'users' ? 'page' : undefined}>
          User management
        </a>
      </nav>
      {tab === 'apps' ? (
        <LicensedApplications accountId={accountId} syncedAt={account.data.lastSync?.at} />
      ) : (
        <UserManagement accountId={accountId} />
      )}
    </>
  );
}

/** Read again each time a sync completes (`syncedAt`), so the first sync's apps appear whole. */
function LicensedApplications({ accountId, syncedAt }: { accountId: string; syncedAt?: string }) {
  const [productType, setProductType] = useState<'' | 'App' | 'Book'>('');
  const [assignable, setAssignable] = useState<'' | 'true' | 'false'>('');
  const assets = usePaged(
    (cursor) =>
      api.call('GET', '/v1/accounts/{accountId}/assets', {
        params: { accountId },
        query: {
          cursor,
          limit: 50,
          productType: productType || undefined,
          deviceAssignable: assignable || undefined,
        },
      }),
    [accountId, productType, assignable, syncedAt],
  );
  return (
    <section aria-label="Licensed applications">
      <h2>Licensed applications</h2>
      <div class="filters">
        <label>
          Type
          <select value={productType} onChange={(e) => setProductType(e.currentTarget.value as never)}>
            <option value="">Apps and books</option>
            <option value="App">Apps</option>
            <option value="Book">Books</option>
          </select>
        </label>
        <label>
          Device-assignable
          <select value={assignable} onChange={(e) => setAssignable(e.currentTarget.value as never)}>
            <option value="">Any</option>
            <option value="true">Yes</option>
            <option value="false">No</option>
          </select>
        </label>
        <button type="button" onClick={() => assets.reload()}>
          Refresh
        </button>
      </div>
      <ErrorNote error={assets.error} />
      {assets.loading && !assets.data && <Loading what="the licensed applications" />}
      {assets.data && assets.data.items.length === 0 && (
        <p class="empty">
          {syncedAt
            ? 'No app or book in this account.'
            : 'No app or book here yet: the first sync is still running.'}
        </p>
      )}
      {assets.data && assets.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Total</th>
                <th scope="col">Assigned</th>
                <th scope="col">Available</th>
                <th scope="col">Pending</th>
                <th scope="col">Usage</th>
                <th scope="col">Device-assignable</th>
                <th scope="col">Irrevocable</th>
              </tr>
            </thead>
            <tbody>
              {assets.data.items.map((asset) => (
                <tr key={asset.adamId + asset.pricingParam}>
                  <th scope="row">
                    <span class="app-name">
                      {asset.iconUrl && <img src={asset.iconUrl} alt="" width={24} height={24} />}
                      <a
                        href={`/accounts/${accountId}/apps/${asset.adamId}?pricingParam=${asset.pricingParam}`}
                      >
                        {asset.name ?? asset.adamId}
                      </a>
                    </span>
                    {asset.pricingParam === 'PLUS' && <span class="muted"> (high quality)</span>}
                  </th>
                  <td>{asset.productType}</td>
                  <td>{asset.unlimited ? 'unlimited' : asset.totalCount}</td>
                  <td>{asset.assignedCount}</td>
                  <td>{asset.unlimited ? 'unlimited' : asset.availableCount}</td>
                  <td>{asset.pendingCount}</td>
                  <td>
                    <UsageBar
                      label={asset.name ?? asset.adamId}
                      total={asset.unlimited ? null : asset.totalCount}
                      assigned={asset.assignedCount}
                      pending={asset.pendingCount}
                    />
                  </td>
                  <td data-column="device-assignable">{asset.deviceAssignable ? 'Y' : 'N'}</td>
                  <td data-column="irrevocable">
                    {asset.revocable ? '' : <Chip text="Irrevocable" tone="warn" />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pager={assets} />
    </section>
  );
}
