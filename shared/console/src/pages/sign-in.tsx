/** Sign-in: local mode picks organisation, role and e-mail; otherwise the organisation's sign-in. */
import { useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../../config/console.ts';
import { localSignIn, type Role, setSession } from '../session.ts';
import { CardForm, ErrorNote, SelectField, TextField } from '../ui.tsx';

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
      <CardForm
        onSubmit={async () => {
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
        <TextField label="Organisation" name="org" required value={org} onValue={setOrg} />
        <SelectField
          label="Role"
          name="role"
          value={role}
          onValue={setRole}
          options={[
            ['org-admin', 'org-admin: everything in the organisation'],
            ['admin', 'admin: the accounts that list this e-mail'],
            ['viewer', 'viewer: read only'],
          ]}
        />
        <TextField label="E-mail" name="email" type="email" required value={email} onValue={setEmail} />
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </CardForm>
    </div>
  );
}
