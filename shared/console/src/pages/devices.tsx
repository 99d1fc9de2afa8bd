/** Devices: the organisation's inventory, adding devices, a device's licences, removing one. */

import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { useSession } from '../session.ts';
import {
  api,
  CardForm,
  can,
  ErrorNote,
  Filters,
  FollowJob,
  ListState,
  Loading,
  newKey,
  Pager,
  Table,
  TextField,
  useAttempt,
  useLoad,
  usePaged,
  when,
} from '../ui.tsx';

export function DevicesPage() {
  const session = useSession();
  const [serial, setSerial] = useState('');
  const [network, setNetwork] = useState('');
  const [tag, setTag] = useState('');
  const [adding, setAdding] = useState(false);
  const devices = usePaged(
    (cursor) =>
      api.call('GET', '/v1/devices', {
        query: {
          cursor,
          limit: 50,
          serialPrefix: serial.trim() || undefined,
          networkId: network.trim() || undefined,
          tag: tag.trim() || undefined,
        },
      }),
    [serial, network, tag],
  );
  const items = devices.data?.items ?? [];
  return (
    <>
      <h1>Devices</h1>
      <p class="lede">The organisation's inventory: deployments pick devices by network and tags.</p>
      {can.administer(session) && (
        <p>
          <button type="button" class="primary" onClick={() => setAdding(!adding)} aria-expanded={adding}>
            Add devices
          </button>
        </p>
      )}
      {adding && (
        <AddDevices
          onDone={() => {
            setAdding(false);
            devices.reload();
          }}
        />
      )}
      <Filters>
        <TextField
          label="Serial number (how it starts)"
          type="search"
          value={serial}
          onValue={setSerial}
          commit
        />
        <TextField label="Network" type="search" value={network} onValue={setNetwork} commit />
        <TextField label="Tag" type="search" value={tag} onValue={setTag} commit />
      </Filters>
      <ListState list={devices} what="the devices" empty="No device." count={items.length} />
      {items.length > 0 && (
        <Table columns={['Serial number', 'Network', 'Tags', 'Platform', 'Owner', 'Last seen']}>
          {items.map((d) => (
            <tr key={d.serialNumber}>
              <th scope="row">
                <a href={`/devices/${encodeURIComponent(d.serialNumber)}`}>{d.serialNumber}</a>
              </th>
              <td>{d.networkId}</td>
              <td>{d.tags.join(', ')}</td>
              <td>{d.platform ?? ''}</td>
              <td>{d.ownerEmail ?? ''}</td>
              <td>{when(d.lastSeenAt)}</td>
            </tr>
          ))}
        </Table>
      )}
      <Pager pager={devices} />
    </>
  );
}

/** One device a line: `serial, network[, tags separated by ;[, owner e-mail]]`. */
function AddDevices({ onDone }: { onDone: () => void }) {
  const [text, setText] = useState('');
  const { error, attempt } = useAttempt();
  const [result, setResult] = useState<string>();
  return (
    <CardForm
      label="Add devices"
      onSubmit={() =>
        attempt(async () => {
          const devices = text
            .split('\n')
            .map((line) => line.split(',').map((cell) => cell.trim()))
            .filter((cells) => cells[0])
            .map(([serialNumber = '', networkId = '', tags = '', ownerEmail = '']) => ({
              serialNumber,
              networkId,
              tags: tags
                .split(';')
                .map((t) => t.trim())
                .filter(Boolean),
              ...(ownerEmail ? { ownerEmail } : {}),
            }));
          const answer = await api.call('PUT', '/v1/devices', { body: devices });
          setResult(`${answer.created} added, ${answer.updated} updated.`);
          onDone();
        })
      }
    >
      <h3>Add devices</h3>
      <label>
        One device a line: serial number, network, tags (separated by ;), owner e-mail
        <textarea
          name="devices"
          rows={5}
          required
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <ErrorNote error={error} />
      {result && <p role="status">{result}</p>}
      <button type="submit" class="primary">
        Save devices
      </button>
    </CardForm>
  );
}

export function DevicePage() {
  const { params } = useRoute();
  const location = useLocation();
  const session = useSession();
  const serialNumber = params.serialNumber ?? '';
  const { error, attempt } = useAttempt();
  const [jobId, setJobId] = useState<string>();
  const device = useLoad(
    () => api.call('GET', '/v1/devices/{serialNumber}', { params: { serialNumber } }),
    [serialNumber],
  );
  return (
    <>
      <p class="crumbs">
        <a href="/devices">Devices</a> ›
      </p>
      <h1>Device {serialNumber}</h1>
      <ErrorNote error={device.error} />
      {!device.data && !device.error && <Loading what="the device" />}
      {device.data && (
        <>
          <dl class="facts">
            <dt>Network</dt>
            <dd>{device.data.networkId}</dd>
            <dt>Tags</dt>
            <dd>{device.data.tags.join(', ') || '—'}</dd>
            <dt>Owner</dt>
            <dd>{device.data.ownerEmail ?? '—'}</dd>
            <dt>Last seen</dt>
            <dd>{when(device.data.lastSeenAt)}</dd>
          </dl>
          <h2>Licences</h2>
          {device.data.licenses.length === 0 ? (
            <p class="empty">No licence.</p>
          ) : (
            <ul>
              {device.data.licenses.map((l) => (
                <li key={`${l.accountId}/${l.adamId}/${l.pricingParam}`}>
                  <a href={`/accounts/${l.accountId}/apps/${l.adamId}`}>{l.name ?? l.adamId}</a> (
                  {[l.productType, l.pricingParam, l.state].filter(Boolean).join(', ')})
                </li>
              ))}
            </ul>
          )}
          {can.administer(session) && (
            <button
              type="button"
              class="danger"
              onClick={() =>
                attempt(async () => {
                  if (!confirm(`Remove ${serialNumber}? Its licences are taken back at Apple.`)) return;
                  const job = await api.call('DELETE', '/v1/devices/{serialNumber}', {
                    params: { serialNumber },
                    idempotencyKey: newKey(),
                  });
                  const id = job.job.id;
                  setJobId(id);
                })
              }
            >
              Remove device
            </button>
          )}
          <ErrorNote error={error} />
          {jobId && <FollowJob id={jobId} onEnd={() => location.route('/devices')} />}
        </>
      )}
    </>
  );
}
