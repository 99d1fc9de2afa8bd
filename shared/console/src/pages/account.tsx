/** One account: its Licensed applications and its User management, as two tabs. */

import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import {
  AccountBadge,
  api,
  Chip,
  ErrorNote,
  Filters,
  ListState,
  Loading,
  Pager,
  SelectField,
  Table,
  UsageBar,
  useLoad,
  usePaged,
} from '../ui.tsx';
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
      <Filters onRefresh={() => assets.reload()}>
        <SelectField
          label="Type"
          value={productType}
          onValue={setProductType}
          options={[
            ['', 'Apps and books'],
            ['App', 'Apps'],
            ['Book', 'Books'],
          ]}
        />
        <SelectField
          label="Device-assignable"
          value={assignable}
          onValue={setAssignable}
          options={[
            ['', 'Any'],
            ['true', 'Yes'],
            ['false', 'No'],
          ]}
        />
      </Filters>
      <ListState
        list={assets}
        what="the licensed applications"
        empty={
          syncedAt
            ? 'No app or book in this account.'
            : 'No app or book here yet: the first sync is still running.'
        }
        count={assets.data?.items.length ?? 0}
      />
      {assets.data && assets.data.items.length > 0 && (
        <Table
          columns={[
            'Name',
            'Type',
            'Total',
            'Assigned',
            'Available',
            'Pending',
            'Usage',
            'Device-assignable',
            'Irrevocable',
          ]}
        >
          {assets.data.items.map((asset) => (
            <tr key={asset.adamId + asset.pricingParam}>
              <th scope="row">
                <span class="app-name">
                  {asset.iconUrl && <img src={asset.iconUrl} alt="" width={24} height={24} />}
                  <a href={`/accounts/${accountId}/apps/${asset.adamId}?pricingParam=${asset.pricingParam}`}>
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
        </Table>
      )}
      <Pager pager={assets} />
    </section>
  );
}
