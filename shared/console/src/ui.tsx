/**
 * The pieces every page uses: the API client, loading and error states, paging, badges, job progress,
 * forms and their fields, tables.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, createApiClient, type Of } from './api.ts';
import { bearer, getSession, type Session, signOut } from './session.ts';

export const api = createApiClient(bearer, () => {
  if (getSession()) signOut();
});

export type Account = Of<'GET', '/v1/accounts/{accountId}'>;
export type Job = Of<'GET', '/v1/jobs/{jobId}'>;

/** What the caller may do: a viewer nothing, an admin its accounts' users and licences, an org-admin all. */
export const can = {
  manage: (session: Session | undefined) => session?.role === 'org-admin' || session?.role === 'admin',
  administer: (session: Session | undefined) => session?.role === 'org-admin',
};

export const messageOf = (error: unknown): string =>
  error instanceof ApiError
    ? `${error.message}${error.code && !error.code.startsWith('http.') ? ` (${error.code})` : ''}`
    : error instanceof Error
      ? error.message
      : String(error);

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Loads once per change of `keys`; `reload` loads again (after a change the page made). */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...keys, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** A list read page by page through the API's cursors (previous pages remembered for "Previous"). */
export function usePaged<T>(
  load: (cursor: string | undefined) => Promise<Page<T>>,
  keys: readonly unknown[],
) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => setCursors([undefined]), keys);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => load(cursor), [...keys, cursor]);
  return {
    ...page,
    pageNumber: cursors.length,
    next: page.data?.nextCursor ? () => setCursors([...cursors, page.data?.nextCursor]) : undefined,
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
  };
}

export function Pager({
  pager,
}: {
  pager: { pageNumber: number; next?: () => void; previous?: () => void };
}) {
  if (!pager.next && !pager.previous) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={pager.previous} disabled={!pager.previous}>
        Previous page
      </button>
      <span>Page {pager.pageNumber}</span>
      <button type="button" onClick={pager.next} disabled={!pager.next}>
        Next page
      </button>
    </nav>
  );
}

const DAY = 86_400_000;

/** An account's status in words: active, expiring in N days, expired, revoked, claimed elsewhere, invalid. */
export function AccountBadge({
  account,
}: {
  account: Pick<Account, 'status' | 'tokenExpiresAt' | 'claimedBy'>;
}) {
  const days = Math.max(0, Math.ceil((Date.parse(account.tokenExpiresAt) - Date.now()) / DAY));
  const text =
    account.status === 'expiring'
      ? `expiring in ${days} day${days === 1 ? '' : 's'}`
      : account.status === 'claimed-elsewhere'
        ? `claimed elsewhere${account.claimedBy ? ` (${account.claimedBy})` : ''}`
        : account.status;
  const tone = account.status === 'active' ? 'good' : account.status === 'expiring' ? 'warn' : 'bad';
  return <span class={`badge ${tone}`}>{text}</span>;
}

export function Chip({ text, tone }: { text: string; tone?: 'good' | 'warn' | 'bad' | 'info' }) {
  return <span class={`badge ${tone ?? 'info'}`}>{text}</span>;
}

export const userTone = (status: string) =>
  status === 'Associated' ? 'good' : status === 'Invited' ? 'warn' : status === 'Retired' ? 'bad' : 'info';

/** Assigned, pending and available as one bar, with the numbers in words for every reader. */
export function UsageBar(props: { total: number | null; assigned: number; pending: number; label: string }) {
  if (props.total === null || props.total <= 0)
    return <span class="muted">{props.total === null ? 'unlimited' : '—'}</span>;
  const pct = (n: number) => `${Math.min(100, (n / (props.total ?? 1)) * 100)}%`;
  const free = Math.max(0, props.total - props.assigned - props.pending);
  return (
    <span
      class="usage"
      role="img"
      aria-label={`${props.label}: ${props.assigned} assigned, ${props.pending} pending, ${free} free of ${props.total}`}
    >
      <span class="usage-assigned" style={{ width: pct(props.assigned) }} />
      <span class="usage-pending" style={{ width: pct(props.pending) }} />
    </span>
  );
}

export const FINAL = new Set(['succeeded', 'partially_failed', 'failed']);

/** A job, read again every second until it ends: live progress without reloading. */
export function useJob(id: string | undefined, initial?: Job): Job | undefined {
  const [job, setJob] = useState<Job | undefined>(initial);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    if (!id) return;
    let live = true;
    const read = async () => {
      try {
        const next = await api.call('GET', '/v1/jobs/{jobId}', { params: { jobId: id } });
        if (!live) return;
        setJob(next);
        if (!FINAL.has(next.state)) timer.current = setTimeout(read, 1000);
      } catch {
        if (live) timer.current = setTimeout(read, 3000);
      }
    };
    read();
    return () => {
      live = false;
      clearTimeout(timer.current);
    };
  }, [id]);
  return job;
}

const STATE_WORDS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  partially_failed: 'Partly failed',
  failed: 'Failed',
};

/** What a job not ended waits for, in words. */
function waitingWords(waiting: NonNullable<Job['waitingFor']>): string {
  const at = waiting.nextCheckAt ? new Date(waiting.nextCheckAt).toLocaleTimeString() : undefined;
  if (waiting.kind === 'apple-event')
    return `Waiting for Apple's event ${waiting.eventId ?? ''}${at ? `; checked again at ${at} if Apple has not said` : ''}.`;
  if (waiting.kind === 'debounce') return `Gathering changes${at ? ` until ${at}` : ''}, then it runs.`;
  return 'Waiting for a worker to take its next step.';
}

export function JobProgress({ job }: { job: Job }) {
  const done = job.completed + job.failed;
  return (
    <div class="job" data-job-id={job.id} data-job-state={job.state}>
      <p>
        <strong>{job.type}</strong> job <code>{job.id}</code>:{' '}
        <span class="job-state">{STATE_WORDS[job.state] ?? job.state}</span> — {job.completed} done,{' '}
        {job.failed} failed of {job.requested}
      </p>
      <progress max={Math.max(1, job.requested)} value={done} aria-label={`Progress of job ${job.id}`} />
      {job.waitingFor && <p class="muted job-waiting">{waitingWords(job.waitingFor)}</p>}
      {job.failures.length > 0 && (
        <details open>
          <summary>
            {job.failures.length} failure{job.failures.length === 1 ? '' : 's'}
          </summary>
          <ul>
            {job.failures.map((f) => (
              <li key={f.subject + f.code}>
                {f.subject}: {f.reason} ({f.code}
                {f.appleError ? `, Apple ${f.appleError.errorNumber}: ${f.appleError.errorMessage}` : ''})
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** Follows a job the page just started. */
export function FollowJob({ id, onEnd }: { id: string; onEnd?: (job: Job) => void }) {
  const job = useJob(id);
  const ended = useRef(false);
  useEffect(() => {
    if (job && FINAL.has(job.state) && !ended.current) {
      ended.current = true;
      onEnd?.(job);
    }
  }, [job, onEnd]);
  return job ? <JobProgress job={job} /> : <Loading what="the job" />;
}

export function Section({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section aria-label={title}>
      <div class="section-head">
        <h2>{title}</h2>
        {actions && <div class="actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

export const when = (iso: string | undefined | null) => (iso ? new Date(iso).toLocaleString('en-GB') : '—');

/** A new idempotency key for a job-starting call (a retry of the same click reuses it). */
export const newKey = () => crypto.randomUUID();

/** Saves text as a file (the CSV report). */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Runs what the user asked for, keeping its failure to show (cleared when the next attempt starts). */
export function useAttempt() {
  const [error, setError] = useState<unknown>();
  const attempt = async (action: () => Promise<void>) => {
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    }
  };
  return { error, attempt };
}

/** A form in a card, named `label` for assistive technology; submitting it does not reload the page. */
export function CardForm({
  label,
  onSubmit,
  children,
}: {
  label?: string;
  onSubmit: () => void;
  children: ComponentChildren;
}) {
  return (
    <form
      class="card"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'value' | 'onInput' | 'onChange'>;

/**
 * A text input inside its label. `onValue` hears each key, or with `commit` only the value the user
 * settles on (Enter, or leaving the field): what a filter that reads the API wants.
 */
export function TextField({
  label,
  value,
  onValue,
  commit,
  ...input
}: InputProps & { label: string; value: string; onValue: (value: string) => void; commit?: boolean }) {
  const read = (e: { currentTarget: HTMLInputElement }) => onValue(e.currentTarget.value);
  return (
    <label>
      {label}
      <input {...input} value={value} {...(commit ? { onChange: read } : { onInput: read })} />
    </label>
  );
}

/** A checkbox with its words after it. */
export function CheckField({
  label,
  name,
  checked,
  onValue,
}: {
  label: string;
  name: string;
  checked: boolean;
  onValue: (checked: boolean) => void;
}) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(e) => onValue(e.currentTarget.checked)}
      />{' '}
      {label}
    </label>
  );
}

/** A select inside its label; an option is `[value, words]`, or a value that is its own words. */
export function SelectField<T extends string>({
  label,
  name,
  value,
  onValue,
  options,
}: {
  label: string;
  name?: string;
  value: T;
  onValue: (value: T) => void;
  options: readonly (T | readonly [T, string])[];
}) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onValue(e.currentTarget.value as T)}>
        {options.map((option) => {
          const [key, words] = typeof option === 'string' ? [option, option] : option;
          return (
            <option key={key} value={key}>
              {words}
            </option>
          );
        })}
      </select>
    </label>
  );
}

/** The bar above a list that narrows it, with a Refresh button when `onRefresh` is given. */
export function Filters({ onRefresh, children }: { onRefresh?: () => void; children: ComponentChildren }) {
  return (
    <div class="filters">
      {children}
      {onRefresh && (
        <button type="button" onClick={onRefresh}>
          Refresh
        </button>
      )}
    </div>
  );
}

export type Rejection = { subject: string; code: string; reason: string };

/** A table with a header row: one column a heading (a false one is left out), the rows as children. */
export function Table({
  label,
  columns,
  children,
}: {
  label?: string;
  columns: ComponentChildren[];
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map(
              (column, i) =>
                column !== false && (
                  <th scope="col" key={i}>
                    {column}
                  </th>
                ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A list's loading, failure and emptiness, in that order. */
export function ListState({
  list,
  what,
  empty,
  count,
}: {
  list: { loading: boolean; data?: unknown; error: unknown };
  what: string;
  empty: ComponentChildren;
  count: number;
}) {
  return (
    <>
      <ErrorNote error={list.error} />
      {list.loading && !list.data && <Loading what={what} />}
      {list.data !== undefined && count === 0 && <p class="empty">{empty}</p>}
    </>
  );
}

/** The subjects a job left out and why. */
export function Rejections({ title, rejected }: { title: string; rejected: readonly Rejection[] }) {
  if (rejected.length === 0) return null;
  return (
    <div class="notice" role="status">
      <p>{title}</p>
      <ul>
        {rejected.map((r) => (
          <li key={r.subject}>
            {r.subject}: {r.reason} ({r.code})
          </li>
        ))}
      </ul>
    </div>
  );
}

/** `set` with `item` added, or taken out when it was in. */
export function toggled<T>(set: ReadonlySet<T>, item: T): Set<T> {
  const next = new Set(set);
  if (next.has(item)) next.delete(item);
  else next.add(item);
  return next;
}
