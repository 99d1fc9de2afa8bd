/** Jobs: progress (live), failures with Apple's numbers and reasons. */
import { useState } from 'preact/hooks';
import { api, ErrorNote, JobProgress, knownJobs, useJob } from '../ui.tsx';

export function JobsPage() {
  const [ids, setIds] = useState(knownJobs);
  const [lookup, setLookup] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <>
      <h1>Jobs</h1>
      <p class="lede">The jobs started from this console, newest first; each follows its progress live.</p>
      <form
        class="filters"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            const job = await api.call('GET', '/v1/jobs/{jobId}', { params: { jobId: lookup.trim() } });
            setIds([job.id, ...ids.filter((id) => id !== job.id)]);
          } catch (failure) {
            setError(failure);
          }
        }}
      >
        <label>
          Job id
          <input value={lookup} onInput={(e) => setLookup(e.currentTarget.value)} required />
        </label>
        <button type="submit">Show job</button>
      </form>
      <ErrorNote error={error} />
      {ids.length === 0 && <p class="empty">No job started from this console yet.</p>}
      {ids.map((id) => (
        <LiveJob key={id} id={id} />
      ))}
    </>
  );
}

function LiveJob({ id }: { id: string }) {
  const job = useJob(id);
  return (
    <article class="card" aria-label={`Job ${id}`}>
      {job ? <JobProgress job={job} /> : <p class="loading">Loading job {id}…</p>}
    </article>
  );
}
