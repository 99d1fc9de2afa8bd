/**
 * Jobs: every job the caller may see (GET /v1/jobs, newest first, by type and state, paged), each
 * with its live progress, its failures with Apple's numbers and reasons, and what it waits for.
 */
import { useState } from 'preact/hooks';
import type { JobState, JobType } from '../../../domain/job.ts';
import { api, ErrorNote, JobProgress, Loading, Pager, useJob, usePaged } from '../ui.tsx';

// Every type and state, written out here (the console bundles no zod), and checked against the
// domain's: a type or state added there breaks this build until it is listed here.
const TYPES = Object.keys({
  grant: true,
  revocation: true,
  sync: true,
  invitation: true,
  retirement: true,
  reconciliation: true,
  'device-removal': true,
} satisfies Record<JobType, true>) as JobType[];
const STATES = Object.keys({
  queued: true,
  running: true,
  succeeded: true,
  partially_failed: true,
  failed: true,
} satisfies Record<JobState, true>) as JobState[];

export function JobsPage() {
  const [type, setType] = useState<'' | JobType>('');
  const [state, setState] = useState<'' | JobState>('');
  const jobs = usePaged(
    (cursor) =>
      api.call('GET', '/v1/jobs', {
        query: { cursor, limit: 20, type: type || undefined, state: state || undefined },
      }),
    [type, state],
  );
  return (
    <>
      <h1>Jobs</h1>
      <p class="lede">Every job you may see, newest first; a job not ended follows its progress live.</p>
      <div class="filters">
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.currentTarget.value as never)}>
            <option value="">Any</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState(e.currentTarget.value as never)}>
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => jobs.reload()}>
          Refresh
        </button>
      </div>
      <ErrorNote error={jobs.error} />
      {jobs.loading && !jobs.data && <Loading what="the jobs" />}
      {jobs.data && jobs.data.items.length === 0 && <p class="empty">No job here.</p>}
      {jobs.data?.items.map((job) => (
        <LiveJob key={job.id} id={job.id} />
      ))}
      <Pager pager={jobs} />
    </>
  );
}

/** One job, read in full (its failures) and again every second until it ends. */
function LiveJob({ id }: { id: string }) {
  const job = useJob(id);
  return (
    <article class="card" aria-label={`Job ${id}`}>
      {job ? <JobProgress job={job} /> : <p class="loading">Loading job {id}…</p>}
    </article>
  );
}
