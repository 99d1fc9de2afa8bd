/** Sign-in: local mode picks organisation, role and e-mail; otherwise the organisation's sign-in. */
import { useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../../config/console.ts';
import { localSignIn, type Role, setSession } from '../session.ts';
import { ErrorNote } from '../ui.tsx';

export function SignInPage({ config }: { config: ConsoleConfig }) {
  if (config.auth.kind === 'local') return <LocalSignIn />;
  return (
    <div class="narrow">
      <h1>Sign in to VPP Manager</h1>
      <p>Sign-in with an external provider is not set up for this console.</p>
    </div>
  );
}

function LocalSignIn() {
  const [org, setOrg] = useState('demo');
  const [role, setRole] = useState<Role>('org-admin');
  const [email, setEmail] = useState('admin@demo.test');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <div class="narrow">
      <h1>Sign in to VPP Manager</h1>
      <p>
        Local mode: pick who you are. The console gets the same token as <code>npm run token</code>; it is
        kept in this tab only.
      </p>
      <form
        class="card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            setSession(await localSignIn({ org, role, email }));
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Organisation
          <input name="org" required value={org} onInput={(e) => setOrg(e.currentTarget.value)} />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="org-admin">org-admin: everything in the organisation</option>
            <option value="admin">admin: the accounts that list this e-mail</option>
            <option value="viewer">viewer: read only</option>
          </select>
        </label>
        <label>
          E-mail
          <input
            name="email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
