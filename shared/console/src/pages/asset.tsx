/** An asset's page: its counts, its holders, Grant to devices and users, Revoke, its deployment. */

import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import type { Of } from '../api.ts';
import { useSession } from '../session.ts';
import {
  api,
  CardForm,
  CheckField,
  Chip,
  can,
  ErrorNote,
  Filters,
  FollowJob,
  ListState,
  Loading,
  newKey,
  Pager,
  type Rejection,
  Rejections,
  Section,
  SelectField,
  Table,
  TextField,
  toggled,
  UsageBar,
  useAttempt,
  useLoad,
  usePaged,
  when,
} from '../ui.tsx';

type Plan = Of<'GET', '/v1/accounts/{accountId}/assets/{adamId}/deployment/plan'>;
type Started = { job: { id: string }; rejected: Rejection[] };

export function AssetPage() {
  const { params, query } = useRoute();
  const accountId = params.accountId ?? '';
  const adamId = params.adamId ?? '';
  const pricing =
    query.pricingParam === 'PLUS' || query.pricingParam === 'STDQ' ? query.pricingParam : undefined;
  const session = useSession();
  const [jobId, setJobId] = useState<string>();
  const [rejected, setRejected] = useState<Rejection[]>([]);
  // Bumped when a job the page follows ends: the holders are read again.
  const [ended, setEnded] = useState(0);
  const asset = useLoad(
    () =>
      api.call('GET', '/v1/accounts/{accountId}/assets/{adamId}', {
        params: { accountId, adamId },
        query: { pricingParam: pricing },
      }),
    [accountId, adamId, pricing],
  );
  const started = (answer: Started) => {
    setJobId(answer.job.id);
    setRejected(answer.rejected);
  };
  if (asset.error)
    return (
      <>
        <h1>Asset</h1>
        <ErrorNote error={asset.error} />
      </>
    );
  if (!asset.data) return <Loading what="the asset" />;
  const a = asset.data;
  const ids = { accountId, adamId };
  return (
    <>
      <p class="crumbs">
        <a href="/accounts">Accounts</a> › <a href={`/accounts/${accountId}/apps`}>Licensed applications</a> ›
      </p>
      <h1>{a.name ?? a.adamId}</h1>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{a.productType}</dd>
        <dt>Total</dt>
        <dd>{a.unlimited ? 'unlimited' : a.totalCount}</dd>
        <dt>Assigned</dt>
        <dd>{a.assignedCount}</dd>
        <dt>Available</dt>
        <dd>{a.unlimited ? 'unlimited' : a.availableCount}</dd>
        <dt>Pending</dt>
        <dd>{a.pendingCount}</dd>
        <dt>Device-assignable</dt>
        <dd>{a.deviceAssignable ? 'Y' : 'N'}</dd>
        <dt>Revocable</dt>
        <dd>{a.revocable ? 'Yes' : <Chip text="Irrevocable" tone="warn" />}</dd>
      </dl>
      <UsageBar
        label={a.name ?? a.adamId}
        total={a.unlimited ? null : a.totalCount}
        assigned={a.assignedCount}
        pending={a.pendingCount}
      />
      {jobId && (
        <FollowJob
          id={jobId}
          onEnd={() => {
            asset.reload();
            setEnded((n) => n + 1);
          }}
        />
      )}
      <Rejections title="Rejected:" rejected={rejected} />
      <Holders ids={ids} pricing={pricing} writable={can.manage(session)} onStarted={started} round={ended} />
      {can.manage(session) && (
        <Grant ids={ids} pricing={pricing} deviceAssignable={a.deviceAssignable} onStarted={started} />
      )}
      <Deployment
        ids={ids}
        pricing={pricing}
        writable={can.manage(session)}
        onJob={(id) => {
          setJobId(id);
        }}
      />
    </>
  );
}

type Ids = { accountId: string; adamId: string };

function Holders(props: {
  ids: Ids;
  pricing: 'PLUS' | 'STDQ' | undefined;
  writable: boolean;
  onStarted: (answer: Started) => void;
  round: number;
}) {
  const [state, setState] = useState('');
  const [source, setSource] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const { error, attempt } = useAttempt();
  const holders = usePaged(
    (cursor) =>
      api.call('GET', '/v1/accounts/{accountId}/assets/{adamId}/assignments', {
        params: props.ids,
        query: {
          cursor,
          limit: 50,
          pricingParam: props.pricing,
          state: state || undefined,
          source: source || undefined,
        },
      }),
    [props.ids.accountId, props.ids.adamId, state, source, props.round],
  );
  const items = holders.data?.items ?? [];
  const revoke = () =>
    attempt(async () => {
      const chosen = items.filter((h) => selected.has(`${h.subjectType}:${h.subjectId}`));
      props.onStarted(
        await api.call('POST', '/v1/accounts/{accountId}/assets/{adamId}/revocations', {
          params: props.ids,
          query: { pricingParam: props.pricing },
          body: {
            serialNumbers: chosen.filter((h) => h.subjectType === 'device').map((h) => h.subjectId),
            userIds: chosen.filter((h) => h.subjectType === 'user').map((h) => h.subjectId),
          },
          idempotencyKey: newKey(),
        }),
      );
      setSelected(new Set());
    });
  return (
    <Section
      title="Holders"
      actions={
        props.writable && (
          <button type="button" class="danger" disabled={selected.size === 0} onClick={revoke}>
            Revoke
          </button>
        )
      }
    >
      <Filters onRefresh={() => holders.reload()}>
        <SelectField
          label="State"
          value={state}
          onValue={setState}
          options={[['', 'Any'], 'granted', 'pending-grant', 'pending-revoke', 'revoked', 'failed']}
        />
        <SelectField
          label="Source"
          value={source}
          onValue={setSource}
          options={[['', 'Any'], 'manual', 'deployment', 'apple']}
        />
      </Filters>
      <ErrorNote error={error} />
      <ListState list={holders} what="the holders" empty="Nobody holds it." count={items.length} />
      {items.length > 0 && (
        <Table
          label="Holders"
          columns={[props.writable && 'Select', 'Holder', 'State', 'Source', 'Since', 'Problem']}
        >
          {items.map((h) => {
            const key = `${h.subjectType}:${h.subjectId}`;
            return (
              <tr key={key} data-holder={h.subjectId}>
                {props.writable && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${h.subjectType} ${h.subjectId}`}
                      checked={selected.has(key)}
                      disabled={h.state !== 'granted'}
                      onChange={() => setSelected(toggled(selected, key))}
                    />
                  </td>
                )}
                <th scope="row">
                  {h.subjectType === 'device' ? 'Device' : 'User'} {h.subjectId}
                </th>
                <td>
                  <Chip
                    text={h.state}
                    tone={h.state === 'granted' ? 'good' : h.state === 'failed' ? 'bad' : 'info'}
                  />
                </td>
                <td>{h.source}</td>
                <td>{when(h.updatedAt)}</td>
                <td>{h.error ? `${h.error.reason} (${h.error.code})` : ''}</td>
              </tr>
            );
          })}
        </Table>
      )}
      <Pager pager={holders} />
    </Section>
  );
}

function Grant(props: {
  ids: Ids;
  pricing: 'PLUS' | 'STDQ' | undefined;
  deviceAssignable: boolean;
  onStarted: (answer: Started) => void;
}) {
  const [to, setTo] = useState<'devices' | 'users'>(props.deviceAssignable ? 'devices' : 'users');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const { error, attempt } = useAttempt();
  const devices = usePaged(
    (cursor) => api.call('GET', '/v1/devices', { query: { cursor, limit: 100 } }),
    [to],
  );
  const users = usePaged(
    (cursor) =>
      api.call('GET', '/v1/accounts/{accountId}/users', {
        params: { accountId: props.ids.accountId },
        query: { cursor, limit: 100 },
      }),
    [to, props.ids.accountId],
  );
  const needle = search.trim().toLowerCase();
  const options =
    to === 'devices'
      ? (devices.data?.items ?? []).map((d) => ({
          id: d.serialNumber,
          label: `${d.serialNumber} · ${d.networkId}`,
        }))
      : (users.data?.items ?? [])
          .filter((u) => u.status !== 'Retired')
          .map((u) => ({
            id: u.id,
            label: `${u.email ?? u.id}${u.name ? ` · ${u.name}` : ''} · ${u.status}`,
          }));
  const matching = options.filter((o) => !needle || o.label.toLowerCase().includes(needle));
  const pager = to === 'devices' ? devices : users;
  return (
    <Section title="Grant">
      <fieldset class="inline">
        <legend>Grant to</legend>
        <label>
          <input
            type="radio"
            name="grant-to"
            checked={to === 'devices'}
            disabled={!props.deviceAssignable}
            onChange={() => {
              setTo('devices');
              setSelected(new Set());
            }}
          />{' '}
          Devices{props.deviceAssignable ? '' : ' (not device-assignable)'}
        </label>
        <label>
          <input
            type="radio"
            name="grant-to"
            checked={to === 'users'}
            onChange={() => {
              setTo('users');
              setSelected(new Set());
            }}
          />{' '}
          Users
        </label>
      </fieldset>
      <div class="filters">
        <TextField label="Search" type="search" value={search} onValue={setSearch} />
        <button
          type="button"
          onClick={() => setSelected(new Set([...selected, ...matching.map((o) => o.id)]))}
        >
          Select all matching ({matching.length})
        </button>
        <button type="button" onClick={() => setSelected(new Set())}>
          Clear
        </button>
      </div>
      {pager.loading && !pager.data && <Loading what={`the ${to}`} />}
      <ErrorNote error={pager.error} />
      {pager.data && matching.length === 0 && (
        <p class="empty">No {to === 'devices' ? 'device' : 'user'} matches.</p>
      )}
      <ul class="picker" aria-label={`Pick ${to}`}>
        {matching.map((o) => (
          <li key={o.id}>
            <label>
              <input
                type="checkbox"
                checked={selected.has(o.id)}
                onChange={() => setSelected(toggled(selected, o.id))}
              />{' '}
              {o.label}
            </label>
          </li>
        ))}
      </ul>
      <Pager pager={pager} />
      <ErrorNote error={error} />
      <button
        type="button"
        class="primary"
        disabled={selected.size === 0}
        onClick={() =>
          attempt(async () => {
            props.onStarted(
              await api.call('POST', '/v1/accounts/{accountId}/assets/{adamId}/grants', {
                params: props.ids,
                query: { pricingParam: props.pricing },
                body: to === 'devices' ? { serialNumbers: [...selected] } : { userIds: [...selected] },
                idempotencyKey: newKey(),
              }),
            );
            setSelected(new Set());
          })
        }
      >
        Grant to {selected.size} {to === 'devices' ? 'device' : 'user'}
        {selected.size === 1 ? '' : 's'}
      </button>
    </Section>
  );
}

const split = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function Deployment(props: {
  ids: Ids;
  pricing: 'PLUS' | 'STDQ' | undefined;
  writable: boolean;
  onJob: (id: string) => void;
}) {
  const [plan, setPlan] = useState<Plan>();
  const { error, attempt: act } = useAttempt();
  const [planNote, setPlanNote] = useState<string>();
  const current = useLoad(
    () =>
      api.call('GET', '/v1/accounts/{accountId}/assets/{adamId}', {
        params: props.ids,
        query: { pricingParam: props.pricing },
      }),
    [props.ids.accountId, props.ids.adamId],
  );
  const d = (current.data?.deployment ?? null) as null | {
    method: 'device' | 'user';
    scope: { networks: string[]; tags: string[] };
    autoAssign: boolean;
    autoRevoke: boolean;
    revokeGraceHours: number;
  };
  const [method, setMethod] = useState<'device' | 'user' | undefined>();
  const [networks, setNetworks] = useState<string>();
  const [tags, setTags] = useState<string>();
  const [autoAssign, setAutoAssign] = useState<boolean>();
  const [autoRevoke, setAutoRevoke] = useState<boolean>();
  const [grace, setGrace] = useState<string>();
  const value = {
    method: method ?? d?.method ?? 'device',
    networks: networks ?? d?.scope.networks.join(', ') ?? '',
    tags: tags ?? d?.scope.tags.join(', ') ?? '',
    autoAssign: autoAssign ?? d?.autoAssign ?? true,
    autoRevoke: autoRevoke ?? d?.autoRevoke ?? false,
    grace: grace ?? String(d?.revokeGraceHours ?? 0),
  };
  const draft = () => ({
    method: value.method,
    scope: { networks: split(value.networks), tags: split(value.tags) },
    autoAssign: value.autoAssign,
    autoRevoke: value.autoRevoke,
    revokeGraceHours: Number(value.grace) || 0,
  });
  /** The saved deployment's plan. */
  const savedPlan = () =>
    api.call('GET', '/v1/accounts/{accountId}/assets/{adamId}/deployment/plan', {
      params: props.ids,
      query: { pricingParam: props.pricing },
    });
  const preview = () =>
    act(async () => {
      setPlanNote(undefined);
      setPlan(await savedPlan());
    });
  /** The plan of the form as it is, before it is saved (nothing is written). */
  const previewDraft = () =>
    act(async () => {
      setPlanNote('Not saved yet. The plan of the deployment as it stands in the form:');
      setPlan(
        await api.call('POST', '/v1/accounts/{accountId}/assets/{adamId}/deployment/plan', {
          params: props.ids,
          query: { pricingParam: props.pricing },
          body: draft(),
        }),
      );
    });
  return (
    <Section title="Deployment">
      {current.loading && !current.data && <Loading what="the deployment" />}
      {current.data && !d && (
        <p class="empty">No deployment: the asset reaches only those it is granted to.</p>
      )}
      {props.writable ? (
        <CardForm
          label="Deployment"
          onSubmit={() =>
            act(async () => {
              await api.call('PUT', '/v1/accounts/{accountId}/assets/{adamId}/deployment', {
                params: props.ids,
                query: { pricingParam: props.pricing },
                body: draft(),
              });
              current.reload();
              setPlan(await savedPlan());
              setPlanNote('Deployment saved. Its plan:');
            })
          }
        >
          <SelectField
            label="Method"
            name="method"
            value={value.method}
            onValue={setMethod}
            options={[
              ['device', 'Devices'],
              ['user', 'Users'],
            ]}
          />
          <TextField
            label="Networks in scope (empty: any)"
            name="networks"
            value={value.networks}
            onValue={setNetworks}
          />
          <TextField label="Tags in scope (empty: any)" name="tags" value={value.tags} onValue={setTags} />
          <CheckField
            label="Grant automatically to everything in scope"
            name="autoAssign"
            checked={value.autoAssign}
            onValue={setAutoAssign}
          />
          <CheckField
            label="Take back from what leaves the scope"
            name="autoRevoke"
            checked={value.autoRevoke}
            onValue={setAutoRevoke}
          />
          <TextField
            label="Grace period before taking back (hours)"
            name="grace"
            type="number"
            min={0}
            max={2160}
            value={value.grace}
            onValue={setGrace}
          />
          <div class="actions">
            <button type="button" onClick={previewDraft}>
              Preview plan
            </button>
            <button type="submit" class="primary">
              Save deployment
            </button>
            {d && (
              <>
                <button
                  type="button"
                  onClick={() =>
                    act(async () => {
                      const job = await api.call(
                        'POST',
                        '/v1/accounts/{accountId}/assets/{adamId}/deployment/reconcile',
                        {
                          params: props.ids,
                          query: { pricingParam: props.pricing },
                          idempotencyKey: newKey(),
                        },
                      );
                      props.onJob(job.job.id);
                    })
                  }
                >
                  Reconcile now
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() =>
                    act(async () => {
                      await api.call('DELETE', '/v1/accounts/{accountId}/assets/{adamId}/deployment', {
                        params: props.ids,
                        query: { pricingParam: props.pricing },
                      });
                      setPlan(undefined);
                      current.reload();
                    })
                  }
                >
                  Remove deployment
                </button>
              </>
            )}
          </div>
        </CardForm>
      ) : (
        d && (
          <p>
            {d.method === 'device' ? 'Devices' : 'Users'} in networks {d.scope.networks.join(', ') || 'any'},
            tags {d.scope.tags.join(', ') || 'any'};{' '}
            {d.autoAssign ? 'granted automatically' : 'not granted automatically'};{' '}
            {d.autoRevoke ? `taken back after ${d.revokeGraceHours} h` : 'never taken back'}.{' '}
            <button type="button" onClick={preview}>
              Preview plan
            </button>
          </p>
        )
      )}
      <ErrorNote error={error} />
      {planNote && plan && <p role="status">{planNote}</p>}
      {plan && <PlanView plan={plan} />}
    </Section>
  );
}

function PlanView({ plan }: { plan: Plan }) {
  return (
    <section class="plan" aria-label="Plan">
      <p>
        {plan.inScope} in scope; {plan.freeLicenses === null ? 'unlimited' : plan.freeLicenses} licence
        {plan.freeLicenses === 1 ? '' : 's'} free.
      </p>
      <h3>Would get it now ({plan.grant.length})</h3>
      {plan.grant.length === 0 ? <p class="empty">Nobody.</p> : <p>{plan.grant.join(', ')}</p>}
      <h3>Would lose it ({plan.revoke.length + plan.inGrace.length})</h3>
      {plan.revoke.length + plan.inGrace.length === 0 ? (
        <p class="empty">Nobody.</p>
      ) : (
        <ul>
          {plan.revoke.map((r) => (
            <li key={r.subject}>
              {r.subject}: now (grace ended {when(r.graceEndsAt)})
            </li>
          ))}
          {plan.inGrace.map((r) => (
            <li key={r.subject}>
              {r.subject}: at {when(r.graceEndsAt)}
            </li>
          ))}
        </ul>
      )}
      {plan.retryLater.length > 0 && (
        <>
          <h3>Tried again later ({plan.retryLater.length})</h3>
          <ul>
            {plan.retryLater.map((r) => (
              <li key={r.subject}>
                {r.subject}: {r.code}, at {when(r.retryAt)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3 class={plan.shortage.count > 0 ? 'bad-text' : ''}>Shortage: {plan.shortage.count}</h3>
      {plan.shortage.count > 0 && <p>Without a licence: {plan.shortage.subjects.join(', ')}</p>}
    </section>
  );
}
